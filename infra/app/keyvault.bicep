// Key Vault: the JWT signing keys (created and rotated by the app itself) and the deployment-wide admin key
// (seeded by the postprovision hook). Access is by Azure RBAC only, so every reader and writer is a role
// assignment in rbac.bicep rather than an access policy hidden in the vault.

@description('Name of the vault (3-24 characters).')
param name string

@description('Region of the vault.')
param location string

@description('Tags of the vault.')
param tags object

@description('Days a deleted vault or secret stays recoverable (7-90). Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // A deleted signing key or admin key can be recovered, and nobody (not even an owner) can purge it
    // before the retention ends: losing the signing key would invalidate every token in flight.
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    // As the quickstart template does without a virtual network; every request still needs an Entra token
    // and an RBAC grant on this vault.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
