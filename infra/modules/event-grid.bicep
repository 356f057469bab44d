// Event Grid system topic on the ACS resource. The subscription to the bot function is a separate module
// (event-subscription.bicep) because Event Grid refuses it until the function exists, i.e. after code deploy.
// The topic has its own identity so it can write dead letters to a storage account that accepts no shared key.
metadata description = 'Event Grid system topic for ACS events, with an identity allowed to write dead letters.'

import { tagsType } from 'types.bicep'

@description('Name of the system topic.')
param name string

@description('Name of the Communication Services resource (the event source).')
param communicationServiceName string

@description('Name of the storage account that holds the dead-letter container.')
param storageAccountName string

@description('Private container for events that could not be delivered.')
param deadLetterContainerName string

@description('Tags for the resource.')
param tags tagsType = {}

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  // System topics live where their source lives, and ACS is global.
  location: 'global'
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

// Only the dead-letter container, only write access.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, topic.id, storageBlobDataContributor)
  scope: storage::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output id string = topic.id
output name string = topic.name
output principalId string = topic.identity.principalId
