// The Function App on Flex Consumption (FC1), .NET 10 isolated worker, running as the one user-assigned
// identity: host storage, deployment package, tables, Key Vault and telemetry are all reached with Entra
// tokens, and no setting holds a key.

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app.')
param location string

@description('Tags of the plan and the app.')
param tags object

@description('Name of the service in azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).')
param identityClientId string

@description('Name of the storage account (host storage, deployment package, ServerlessAuth tables).')
param storageAccountName string

@description('Blob container that Flex Consumption deploys the app package from.')
param deploymentContainerName string

@description('Name of the Key Vault (signing keys, admin key).')
param keyVaultName string

@description('Name of the Key Vault secret holding the deployment-wide admin key.')
param adminKeySecretName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('NCRONTAB (six fields) of the lifecycle job.')
param lifecycleSchedule string

@description('Most instances the app scales out to: the ceiling of both throughput and cost.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of one instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (ServerlessAuth__AdminKey) resolve with the user-assigned identity, which holds the
    // vault role; by default App Service would try the system-assigned identity, which this app does not have.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // azd deploys with an Entra token (zip deploy through ARM); publishing user names and passwords for the
  // SCM site and FTP would be a second, long-lived way in, so both are switched off.
  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

// Set apart from the site because ServerlessAuth__Issuer needs the site's default host name, which exists only
// once the site does (Flex Consumption host names can carry a random suffix, so it is not derived from the name).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identityClientId

    // No Functions host homepage at '/': only ServerlessAuth's routes answer.
    AzureWebJobsDisableHomepage: 'true'

    // Functions host storage through the identity: blobs (host state, timer leases) and tables (host diagnostic
    // events). No queue endpoint: the host itself uses no queue (the webhook trigger has its own connection below).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table

    // Telemetry with Entra authentication: the component accepts nothing else (DisableLocalAuth).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // SPEC §9.
    ServerlessAuth__Storage__TableServiceUri: storage.properties.primaryEndpoints.table
    ServerlessAuth__KeyVault__Uri: vault.properties.vaultUri
    // A reference, resolved by the platform with keyVaultReferenceIdentity: the admin key itself never appears
    // in a deployment, a template or the site's configuration.
    ServerlessAuth__AdminKey: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${adminKeySecretName})'
    ServerlessAuth__Issuer: 'https://${functionApp.properties.defaultHostName}'
    LIFECYCLE_SCHEDULE: lifecycleSchedule

    // Webhook deliveries: the library sends to the queue, the queue trigger (connection ServerlessAuthQueue)
    // receives from it, both through the identity (Storage Queue Data Contributor, see rbac.bicep).
    ServerlessAuth__Storage__QueueServiceUri: storage.properties.primaryEndpoints.queue
    ServerlessAuthQueue__queueServiceUri: storage.properties.primaryEndpoints.queue
    ServerlessAuthQueue__credential: 'managedidentity'
    ServerlessAuthQueue__clientId: identityClientId
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
