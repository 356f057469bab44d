// User-assigned managed identity of the Function App: one identity for host storage, app storage, ACS and telemetry,
// so its client id can be written into app settings before the site exists.
metadata description = 'User-assigned managed identity for the Function App.'

import { tagsType } from 'types.bicep'

@description('Name of the identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags tagsType = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
