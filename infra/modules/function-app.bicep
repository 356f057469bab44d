// Flex Consumption plan + Function App (Node 22). The runtime and the code package live in `functionAppConfig`;
// Flex does not use (and may reject) the classic FUNCTIONS_WORKER_RUNTIME / WEBSITE_RUN_FROM_PACKAGE / WEBSITE_CONTENT*
// settings, so none are set. Every setting below is one src/config.ts reads (or the host telemetry settings); none
// holds a key.
metadata description = 'Flex Consumption plan and Function App with identity-based storage and the app settings.'

import { tagsType } from 'types.bicep'

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags for the resources. The site also gets azd-service-name: api.')
param tags tagsType = {}

@description('Name of the user-assigned identity the app runs as.')
param identityName string

@description('Name of the storage account (host storage, app data, code package).')
param storageAccountName string

@description('Private container that holds the deployed code package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('ACS endpoint, https://<resource>.communication.azure.com.')
param acsEndpoint string

@description('Blob container for chat archives (ARCHIVE_CONTAINER).')
param archiveContainerName string

@description('6-field NCRONTAB (UTC) of the scheduled-message dispatcher timer (SCHEDULE_DISPATCH_CRON).')
param scheduleDispatchCron string

@description('6-field NCRONTAB (UTC) of the nightly archive (ARCHIVE_CRON).')
param archiveCron string

@description('6-field NCRONTAB (UTC) of the housekeeping timer (HOUSEKEEPING_CRON).')
param housekeepingCron string

@description('Days after which an archived thread is deleted in ACS; 0 = never (ARCHIVE_DELETE_AFTER_DAYS).')
param archiveDeleteAfterDays string

@description('Days ended schedules, completed participant jobs and archive run history are kept (RETENTION_DAYS).')
param retentionDays string

@description('Display name of the service user / bot (BOT_DISPLAY_NAME).')
param botDisplayName string

@description('Most instances Flex may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance, MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
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

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // Host storage and the app's own tables/blobs/queues: same account, managed identity, no connection string.
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        // DefaultAzureCredential picks the user-assigned identity by this id.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        // ACS by endpoint + managed identity; the connection string is for local runs only.
        { name: 'ACS_ENDPOINT', value: acsEndpoint }
        { name: 'ARCHIVE_CONTAINER', value: archiveContainerName }
        { name: 'SCHEDULE_DISPATCH_CRON', value: scheduleDispatchCron }
        { name: 'ARCHIVE_CRON', value: archiveCron }
        { name: 'HOUSEKEEPING_CRON', value: housekeepingCron }
        { name: 'ARCHIVE_DELETE_AFTER_DAYS', value: archiveDeleteAfterDays }
        { name: 'RETENTION_DAYS', value: retentionDays }
        { name: 'BOT_DISPLAY_NAME', value: botDisplayName }
        // Host telemetry with Entra auth (the component has local auth disabled).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // azd deploys with an Entra token (OneDeploy), so publishing with basic credentials is switched off.
  resource ftp 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scm 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output planName string = plan.name
