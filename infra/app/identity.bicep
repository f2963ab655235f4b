// The one user-assigned managed identity of the deployment. The Function App runs as it, reaches Storage,
// Key Vault and Application Insights with it, and resolves its Key Vault references with it. A user-assigned
// identity (rather than the site's system-assigned one) exists before the site does, so its role assignments
// are in place by the time the Functions host first starts.

@description('Name of the identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags of the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
