import { QueueServiceClient } from '@azure/storage-queue';

/**
 * Builds a queue client from the app setting a trigger names in `connection` (default AzureWebJobsStorage).
 * Accepts `UseDevelopmentStorage=true` and explicit connection strings; identity-based settings
 * (`NAME__queueServiceUri`) are not supported locally.
 */
export function queueServiceFromSetting(settingName: string, env: NodeJS.ProcessEnv = process.env): QueueServiceClient {
  const value = env[settingName];
  if (value === undefined || value.trim() === '') {
    const hint = env[`${settingName}__queueServiceUri`]
      ? ' (identity-based connections are not supported locally)'
      : '';
    throw new Error(`app setting '${settingName}' is not set${hint}`);
  }
  try {
    return QueueServiceClient.fromConnectionString(value);
  } catch (err) {
    throw new Error(`app setting '${settingName}' is not a valid storage connection string: ${(err as Error).message}`);
  }
}
