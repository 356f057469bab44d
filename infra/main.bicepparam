// Parameters for `azd provision` / `azd up`. azd exports the environment's values (.azure/<env>/.env) to this file's
// process, so each value comes from an environment variable; `azd env set NAME value` changes it.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'acs-chat')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus')
param resourceGroupName = readEnvironmentVariable('AZURE_RESOURCE_GROUP', '')
param acsDataLocation = readEnvironmentVariable('ACS_DATA_LOCATION', 'United States')
param acsDisableLocalAuth = bool(readEnvironmentVariable('ACS_DISABLE_LOCAL_AUTH', 'false'))
// Set to true by infra/hooks/postdeploy.* once the bot function exists (Event Grid validates the endpoint).
param deployEventSubscription = bool(readEnvironmentVariable('DEPLOY_EVENT_SUBSCRIPTION', 'false'))
param archiveContainerName = readEnvironmentVariable('ARCHIVE_CONTAINER', 'chat-archive')
param scheduleDispatchCron = readEnvironmentVariable('SCHEDULE_DISPATCH_CRON', '0 */1 * * * *')
param archiveCron = readEnvironmentVariable('ARCHIVE_CRON', '0 0 2 * * *')
param housekeepingCron = readEnvironmentVariable('HOUSEKEEPING_CRON', '0 */5 * * * *')
param archiveDeleteAfterDays = readEnvironmentVariable('ARCHIVE_DELETE_AFTER_DAYS', '0')
param retentionDays = readEnvironmentVariable('RETENTION_DAYS', '30')
param botDisplayName = readEnvironmentVariable('BOT_DISPLAY_NAME', 'Chat Bot')
