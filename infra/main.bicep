// Entry point for `azd up` / `azd provision`: a resource group with Azure Communication Services, storage,
// monitoring, a user-assigned identity, a Flex Consumption Function App and the Event Grid wiring for chat events.
// Modules are local files (no registry), so the template builds offline. Outputs are names and endpoints only.
targetScope = 'subscription'

metadata description = 'ACS chat automation on Azure Functions (Flex Consumption).'

@minLength(1)
@maxLength(64)
@description('azd environment name; part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for the resource group and regional resources (must offer Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create or reuse. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Where ACS stores data at rest, for example \'United States\' or \'Europe\'. Immutable after creation.')
param acsDataLocation string = 'United States'

@description('Turn off ACS access keys, so only Entra identities (the app\'s managed identity) can manage users and tokens.')
param acsDisableLocalAuth bool = false

@description('Create the Event Grid subscription to the bot function. Leave false on the first provision: the function must exist first (the azd postdeploy hook sets it to true and provisions again).')
param deployEventSubscription bool = false

@description('Private blob container for chat archives (app setting ARCHIVE_CONTAINER).')
@minLength(3)
@maxLength(63)
param archiveContainerName string = 'chat-archive'

@description('6-field NCRONTAB in UTC for the scheduled-message timer (SCHEDULE_DISPATCH_CRON).')
param scheduleDispatchCron string = '0 */1 * * * *'

@description('6-field NCRONTAB in UTC for the nightly archive (ARCHIVE_CRON).')
param archiveCron string = '0 0 2 * * *'

@description('6-field NCRONTAB in UTC for the housekeeping timer (HOUSEKEEPING_CRON).')
param housekeepingCron string = '0 */5 * * * *'

@description('Delete a thread in ACS once archived when it is older than this many days; 0 never deletes (ARCHIVE_DELETE_AFTER_DAYS).')
param archiveDeleteAfterDays string = '0'

@description('Days ended schedules, completed participant jobs and archive run history are kept before housekeeping deletes them (RETENTION_DAYS).')
param retentionDays string = '30'

@description('Display name of the service user that posts messages and answers bot commands (BOT_DISPLAY_NAME).')
@maxLength(256)
param botDisplayName string = 'Chat Bot'

@description('Most instances the Function App may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per Function App instance, MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-${resourceToken}'
var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  identity: 'id-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  storage: 'st${resourceToken}'
  communication: 'acs-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: functionAppName
  systemTopic: 'evgt-${resourceToken}'
}
var deploymentContainerName = 'app-package-${functionAppName}'
var deadLetterContainerName = 'eventgrid-deadletter'
// Queues and tables the app uses, as named in src/storage/names.ts (the infra test compares). The app also creates
// them when missing; creating them here makes the first run quiet. Not here: the bot's per-day `botevents<yyyymmdd>`
// tables, which the app creates and drops itself.
var queueNames = ['participant-retries', 'schedule-sends', 'archive-jobs', 'bot-commands']
var tableNames = [
  'appstate'
  'idempotency'
  'participantjobs'
  'schedules'
  'scheduledue'
  'archiveruns'
  'archivenotes'
  'botthreads'
]
var botFunctionName = 'acsChatEvents'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    containerNames: [deploymentContainerName, archiveContainerName, deadLetterContainerName]
    queueNames: queueNames
    tableNames: tableNames
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    name: names.communication
    dataLocation: acsDataLocation
    disableLocalAuth: acsDisableLocalAuth
    tags: tags
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  // Names are passed as known values (precise what-if), so the order is stated here.
  dependsOn: [identity, storage, monitoring, communication]
  params: {
    identityName: names.identity
    storageAccountName: names.storage
    applicationInsightsName: names.applicationInsights
    communicationServiceName: names.communication
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The host reads storage as soon as the site starts: grant the roles first.
  dependsOn: [rbac]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityName: names.identity
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    acsEndpoint: communication.outputs.endpoint
    archiveContainerName: archiveContainerName
    scheduleDispatchCron: scheduleDispatchCron
    archiveCron: archiveCron
    housekeepingCron: housekeepingCron
    archiveDeleteAfterDays: archiveDeleteAfterDays
    retentionDays: retentionDays
    botDisplayName: botDisplayName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module eventGrid 'modules/event-grid.bicep' = {
  name: 'event-grid'
  scope: rg
  dependsOn: [communication, storage]
  params: {
    name: names.systemTopic
    communicationServiceName: names.communication
    storageAccountName: names.storage
    deadLetterContainerName: deadLetterContainerName
    tags: tags
  }
}

module eventSubscription 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  name: 'event-subscription'
  scope: rg
  dependsOn: [eventGrid, functionApp]
  params: {
    systemTopicName: names.systemTopic
    functionAppName: names.functionApp
    functionName: botFunctionName
    storageAccountName: names.storage
    deadLetterContainerName: deadLetterContainerName
  }
}

// Read by azd (service discovery, hooks) and by people; names and endpoints only, never a key.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output ACS_NAME string = communication.outputs.name
output ACS_ENDPOINT string = communication.outputs.endpoint
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output ARCHIVE_CONTAINER string = archiveContainerName
output EVENTGRID_DEADLETTER_CONTAINER string = deadLetterContainerName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output EVENTGRID_SUBSCRIPTION_NAME string = deployEventSubscription ? eventSubscription!.outputs.name : ''
output DEPLOY_EVENT_SUBSCRIPTION bool = deployEventSubscription
