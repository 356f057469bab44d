// Azure Communication Services. ACS is a global resource; where its data rests is `dataLocation`, which cannot be
// changed after creation.
metadata description = 'Azure Communication Services resource (chat).'

import { tagsType } from 'types.bicep'

@description('Name of the Communication Services resource.')
param name string

@description('Where ACS stores data at rest, for example \'United States\', \'Europe\', \'UK\'. Immutable after creation.')
param dataLocation string = 'United States'

@description('Disable access-key (HMAC) auth, so only Entra identities can call the management of users and tokens. The app uses its managed identity; keep false if you also want to use the connection string, for example from a laptop.')
param disableLocalAuth bool = false

@description('Tags for the resource.')
param tags tagsType = {}

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    disableLocalAuth: disableLocalAuth
  }
}

output id string = acs.id
output name string = acs.name
output hostName string = acs.properties.hostName
output endpoint string = 'https://${acs.properties.hostName}'
