// ServerlessAuth on Azure, deployed with `azd up`: a Flex Consumption Function App running as one
// user-assigned identity, keyless Storage (host, deployment package, tables), an RBAC Key Vault (signing keys,
// admin key) and Application Insights with Entra-only ingestion. Modelled on the functions-quickstart-dotnet-azd
// template, with local modules only so that the infrastructure builds and lints offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names the resource group and seeds the token in every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); empty to grant nothing to a person.')
param principalId string = ''

@description('NCRONTAB (six fields) of the lifecycle job.')
param lifecycleSchedule string = '0 */5 * * * *'

@description('Days a deleted Key Vault or secret stays recoverable (7-90). Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Most instances the Function App scales out to: the ceiling of both throughput and cost.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of one Function App instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// The service name in azure.yaml: azd deploys the project to the site tagged azd-service-name with it.
var serviceName = 'api'
var functionAppName = '${abbrs.webSitesFunctions}${serviceName}-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

// The secret the postprovision hook seeds and the app setting ServerlessAuth__AdminKey refers to.
var adminKeySecretName = 'admin-key'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${serviceName}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: principalId
  }
}

module functionApp 'app/functionapp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    keyVaultName: keyVault.outputs.name
    adminKeySecretName: adminKeySecretName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    lifecycleSchedule: lifecycleSchedule
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host's first start needs its storage and vault grants: without them it fails to start (blob) or the
  // admin key reference stays unresolved (vault) until the next restart.
  dependsOn: [
    rbac
  ]
}

// Read by azd (azd env get-values), the postprovision hook and infra/scripts/smoke-test.sh.
// Names, addresses and ids only: never a key or a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME string = adminKeySecretName
output AZURE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
