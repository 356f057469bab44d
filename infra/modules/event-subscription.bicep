// Subscription from the ACS system topic to the bot function (an `app.eventGrid` function). Event Grid checks
// at creation that the function exists ("Destination endpoint not found"), so this deploys AFTER the code:
// either main.bicep with deployEventSubscription=true (what the azd postdeploy hook does), or this file on its own:
//   az deployment group create -g <rg> -f infra/modules/event-subscription.bicep -p systemTopicName=… functionAppName=… storageAccountName=…
metadata description = 'Event Grid subscription: ACS chat events to the bot function, with retries and dead letters.'

@description('Name of the existing ACS system topic.')
param systemTopicName string

@description('Name of the existing Function App.')
param functionAppName string

@description('Name of the Event Grid trigger function in the app.')
param functionName string = 'acsChatEvents'

@description('Name of the storage account that holds the dead-letter container.')
param storageAccountName string

@description('Private container for events that exhausted their retries or expired.')
param deadLetterContainerName string = 'eventgrid-deadletter'

@description('Name of the subscription.')
param name string = 'chat-to-function'

@description('Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes an event may wait for delivery before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

// Thread-level chat events: one delivery per action, not one per participant. The per-user variants
// (ChatMessageReceived, ChatThreadCreatedWithUser, ...) would multiply each message by the member count.
var chatEventTypes = [
  'Microsoft.Communication.ChatMessageReceivedInThread'
  'Microsoft.Communication.ChatMessageEditedInThread'
  'Microsoft.Communication.ChatMessageDeletedInThread'
  'Microsoft.Communication.ChatThreadCreated'
  'Microsoft.Communication.ChatThreadDeleted'
  'Microsoft.Communication.ChatThreadPropertiesUpdated'
  'Microsoft.Communication.ChatThreadParticipantAdded'
  'Microsoft.Communication.ChatThreadParticipantRemoved'
]

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource site 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/${functionName}'
        // One event per invocation: the trigger hands the function a single event, and a failure retries only it.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: chatEventTypes
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    // Written with the topic's own identity: the account accepts no shared key.
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output name string = subscription.name
output eventTypes string[] = chatEventTypes
