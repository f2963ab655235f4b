// Every role assignment of the deployment, in one place. Built-in roles by id; each assignment is named
// with guid(scope, principal, role) so that re-running `azd provision` finds the same assignment instead of
// failing on a duplicate. Each grant is the narrowest built-in role for what its holder does, at the
// narrowest scope that works; the comment on each says why it exists.

@description('Name of the user-assigned identity the Function App runs as.')
param identityName string

@description('Name of the storage account (host storage, deployment package, ServerlessAuth tables).')
param storageAccountName string

@description('Name of the Key Vault (signing keys, admin key).')
param keyVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Object id of the deploying user; empty to grant nothing to a person.')
param principalId string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// App identity: Flex Consumption pulls the deployment package from its blob container with this identity,
// and the Functions host (AzureWebJobsStorage__credential=managedidentity) creates its own containers and
// takes blob leases there (timer schedule monitor, singleton lock of the lifecycle job). Owner rather than
// Contributor is what the Functions host documents for identity-based host storage.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// App identity: ServerlessAuth's data lives in tables (created on first use, then point reads and
// ETag-guarded updates). Contributor is the narrowest role that creates tables and writes entities; it
// grants nothing on blobs, queues or the account's settings.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// App identity: webhook deliveries go through a storage queue. The app sends (the dispatcher, retries), the queue
// trigger receives and deletes, and both create the queue if missing (the trigger also its poison queue
// serverlessauth-webhooks-poison): Contributor is the narrowest built-in role that does all of it, at the account
// because the poison queue does not exist beforehand. It grants nothing on blobs, tables or the account's settings.
// AzureWebJobsStorage still has no queue endpoint: the host itself uses no queue.
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// App identity: Application Insights has local authentication disabled, so telemetry is accepted only with an
// Entra token of a principal holding this role on the component (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// App identity: reads the admin key (the Key Vault reference in ServerlessAuth__AdminKey) and reads, creates
// and rotates the JWT signing keys, which the app keeps as secrets and writes itself (the first one on first
// use, the next one when the lifecycle job rotates). Key Vault Secrets User would cover the reads but cannot
// set a secret; Secrets Officer is the narrowest built-in role that can, and it is scoped to this one vault,
// which holds nothing but ServerlessAuth's own secrets. (It also allows deleting secrets; soft delete with
// purge protection keeps such a deletion recoverable. A custom role without delete is the next step if a
// subscription policy demands it.)
resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Deploying user: the postprovision hook seeds the admin key into the vault with the user's own login, and the
// operator later reads the admin key and rotates it. Without it an RBAC vault is closed even to its creator.
// principalType is left out so that a service principal running azd in CI works as well as a person.
resource userSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: principalId
  }
}

// Deploying user: the local.settings.json written by the postprovision hook runs the app on the developer's
// machine against the provisioned tables, authenticated as the developer (DefaultAzureCredential), because
// shared keys are off. Tables only: the local Functions host keeps its own state in Azurite.
resource userTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(storage.id, principalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
  }
}
