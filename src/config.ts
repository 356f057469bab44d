/**
 * Every setting the app reads, parsed once from the environment, typed and validated.
 * A missing or malformed setting stops start-up with an error naming it and saying what is expected.
 *
 * Locally the settings come from local.settings.json (the Functions host copies `Values` into the environment);
 * in Azure they are app settings written by infra/.
 */
import { z } from 'zod';
import { validateNcrontab } from './cron/ncrontab';

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; queueServiceUri: string; tableServiceUri: string; clientId?: string };

export type AcsConfig =
  | { kind: 'connectionString'; endpoint: string; connectionString: string }
  | { kind: 'managedIdentity'; endpoint: string; clientId?: string };

export interface AppConfig {
  storage: StorageConfig;
  acs: AcsConfig;
  archiveContainer: string;
  scheduleDispatchCron: string;
  archiveCron: string;
  housekeepingCron: string;
  /** 0 = never delete threads after archiving them. */
  archiveDeleteAfterDays: number;
  retentionDays: number;
  botDisplayName: string;
}

/** Where a setting is meant to be set: locally (emulator, Azurite), in Azure (managed identity), or both. */
export type SettingScope = 'local' | 'azure' | 'both';

export interface SettingSpec {
  name: string;
  scope: SettingScope;
  /** Value used when the setting is absent; settings without a default are required in their scope. */
  defaultValue?: string;
  /** The value holds a credential: never set it in Azure app settings, never print it. */
  secret?: boolean;
  description: string;
}

export const DEFAULT_SCHEDULE_DISPATCH_CRON = '0 */1 * * * *';
export const DEFAULT_ARCHIVE_CRON = '0 0 2 * * *';
export const DEFAULT_HOUSEKEEPING_CRON = '0 */5 * * * *';

/** The single list of settings: the README's configuration table and the infra test are checked against it. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    name: 'AzureWebJobsStorage',
    scope: 'local',
    secret: true,
    description:
      'Storage connection string (Azurite locally: `UseDevelopmentStorage=true`). Used by the host and by the app for its tables, blobs and queues.',
  },
  {
    name: 'AzureWebJobsStorage__blobServiceUri',
    scope: 'azure',
    description: 'Blob endpoint of the storage account, used with managed identity when no connection string is set.',
  },
  {
    name: 'AzureWebJobsStorage__queueServiceUri',
    scope: 'azure',
    description: 'Queue endpoint of the storage account (managed identity).',
  },
  {
    name: 'AzureWebJobsStorage__tableServiceUri',
    scope: 'azure',
    description: 'Table endpoint of the storage account (managed identity).',
  },
  {
    name: 'AzureWebJobsStorage__credential',
    scope: 'azure',
    description: 'Must be `managedidentity` when the endpoints above are used.',
  },
  {
    name: 'AzureWebJobsStorage__clientId',
    scope: 'azure',
    description: 'Client id of the user-assigned managed identity used for storage.',
  },
  {
    name: 'ACS_CONNECTION_STRING',
    scope: 'local',
    secret: true,
    description:
      'ACS connection string `endpoint=https://…/;accesskey=…` (the emulator locally). Never set in Azure: use ACS_ENDPOINT.',
  },
  {
    name: 'ACS_ENDPOINT',
    scope: 'azure',
    description: 'ACS endpoint `https://<name>.communication.azure.com`; the app authenticates with managed identity.',
  },
  {
    name: 'AZURE_CLIENT_ID',
    scope: 'azure',
    description: 'Client id of the user-assigned managed identity, so DefaultAzureCredential picks it.',
  },
  {
    name: 'ARCHIVE_CONTAINER',
    scope: 'both',
    defaultValue: 'chat-archive',
    description: 'Private blob container that holds chat archives.',
  },
  {
    name: 'SCHEDULE_DISPATCH_CRON',
    scope: 'both',
    defaultValue: DEFAULT_SCHEDULE_DISPATCH_CRON,
    description:
      '6-field NCRONTAB (UTC) of the dispatcher timer: it hands out what falls due before its next run (sent on time) and re-drives lost hand-outs.',
  },
  {
    name: 'ARCHIVE_CRON',
    scope: 'both',
    defaultValue: DEFAULT_ARCHIVE_CRON,
    description: '6-field NCRONTAB (UTC) of the nightly archive timer.',
  },
  {
    name: 'HOUSEKEEPING_CRON',
    scope: 'both',
    defaultValue: DEFAULT_HOUSEKEEPING_CRON,
    description:
      '6-field NCRONTAB (UTC) of the housekeeping timer, which re-drives participant jobs left with no progress.',
  },
  {
    name: 'ARCHIVE_DELETE_AFTER_DAYS',
    scope: 'both',
    defaultValue: '0',
    description:
      'Delete a thread in ACS after archiving it once it is older than this many days (by creation); `0` never deletes.',
  },
  {
    name: 'RETENTION_DAYS',
    scope: 'both',
    defaultValue: '30',
    description:
      "Days ended schedules, completed participant jobs and archive run history (each thread's latest run stays) are kept before housekeeping deletes them.",
  },
  {
    name: 'BOT_DISPLAY_NAME',
    scope: 'both',
    defaultValue: 'Chat Bot',
    description: 'Display name of the service user that sends messages and answers bot commands.',
  },
];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const defaultOf = (name: string): string => SETTINGS.find((s) => s.name === name)?.defaultValue ?? '';

/** A setting's value, trimmed; empty counts as unset. */
const optional = z
  .string()
  .optional()
  .transform((value) => value?.trim() || undefined);
const withDefault = (name: string) => optional.transform((value) => value ?? defaultOf(name));
// normalize: accept what the WHATWG URL parser accepts, without zod's extra demand for `://`.
const httpUrl = z.url({ protocol: /^https?$/, normalize: true });

const ncrontab = (name: string) =>
  withDefault(name).superRefine((value, ctx) => {
    const error = validateNcrontab(value);
    if (error) ctx.addIssue(`${name}: "${value}" is not a 6-field NCRONTAB expression: ${error}.`);
  });

const storage = z
  .object({
    AzureWebJobsStorage: optional,
    AzureWebJobsStorage__blobServiceUri: optional,
    AzureWebJobsStorage__queueServiceUri: optional,
    AzureWebJobsStorage__tableServiceUri: optional,
    AzureWebJobsStorage__clientId: optional,
    AZURE_CLIENT_ID: optional,
  })
  .transform((env, ctx): StorageConfig => {
    const connectionString = env.AzureWebJobsStorage;
    if (connectionString) {
      if (
        connectionString === 'UseDevelopmentStorage=true' ||
        /(^|;)\s*(AccountName|BlobEndpoint)=/i.test(connectionString)
      ) {
        return { kind: 'connectionString', connectionString };
      }
      ctx.addIssue(
        'AzureWebJobsStorage: expected a storage connection string (`UseDevelopmentStorage=true` or `DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…`).',
      );
      return z.NEVER;
    }
    const uris = {
      blobServiceUri: env.AzureWebJobsStorage__blobServiceUri,
      queueServiceUri: env.AzureWebJobsStorage__queueServiceUri,
      tableServiceUri: env.AzureWebJobsStorage__tableServiceUri,
    };
    const missing = Object.entries(uris)
      .filter(([, value]) => !value)
      .map(([key]) => `AzureWebJobsStorage__${key}`);
    if (missing.length > 0) {
      ctx.addIssue(
        missing.length === 3
          ? 'AzureWebJobsStorage: missing. Set it to a storage connection string (locally `UseDevelopmentStorage=true`), or set AzureWebJobsStorage__blobServiceUri, __queueServiceUri and __tableServiceUri for managed identity.'
          : `${missing.join(', ')}: missing (all three storage service URIs are needed for managed identity).`,
      );
      return z.NEVER;
    }
    for (const [key, value] of Object.entries(uris)) {
      if (!httpUrl.safeParse(value).success)
        ctx.addIssue(`AzureWebJobsStorage__${key}: "${value}" is not an http(s) URL.`);
    }
    return {
      kind: 'identity',
      blobServiceUri: uris.blobServiceUri ?? '',
      queueServiceUri: uris.queueServiceUri ?? '',
      tableServiceUri: uris.tableServiceUri ?? '',
      clientId: env.AzureWebJobsStorage__clientId ?? env.AZURE_CLIENT_ID,
    };
  });

const acs = z
  .object({ ACS_CONNECTION_STRING: optional, ACS_ENDPOINT: optional, AZURE_CLIENT_ID: optional })
  .transform((env, ctx): AcsConfig => {
    const connectionString = env.ACS_CONNECTION_STRING;
    if (connectionString) {
      // Same shape the ACS SDKs accept; the key itself is never echoed back in an error.
      const endpoint = /^endpoint=(https?:\/\/[^;]+);accesskey=([A-Za-z0-9+/=]+)$/i.exec(connectionString)?.[1];
      if (endpoint) return { kind: 'connectionString', endpoint, connectionString };
      ctx.addIssue('ACS_CONNECTION_STRING: expected `endpoint=https://<host>/;accesskey=<base64 key>`.');
      return z.NEVER;
    }
    const endpoint = env.ACS_ENDPOINT;
    if (endpoint && /^https:\/\/[^/?#]+\/?$/.test(endpoint)) {
      return { kind: 'managedIdentity', endpoint, clientId: env.AZURE_CLIENT_ID };
    }
    ctx.addIssue(
      endpoint
        ? `ACS_ENDPOINT: "${endpoint}" must be an https URL with no path, e.g. https://<name>.communication.azure.com.`
        : 'ACS_ENDPOINT: missing. Set ACS_ENDPOINT (Azure, managed identity) or ACS_CONNECTION_STRING (local emulator).',
    );
    return z.NEVER;
  });

/** Keys in the order problems are reported; every issue message starts with the setting it is about. */
const configSchema = z.object({
  storage,
  acs,
  archiveContainer: withDefault('ARCHIVE_CONTAINER').pipe(
    z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
      error: (issue) =>
        `ARCHIVE_CONTAINER: "${String(issue.input)}" is not a valid container name (3-63 lowercase letters, digits and single hyphens).`,
    }),
  ),
  scheduleDispatchCron: ncrontab('SCHEDULE_DISPATCH_CRON'),
  archiveCron: ncrontab('ARCHIVE_CRON'),
  housekeepingCron: ncrontab('HOUSEKEEPING_CRON'),
  archiveDeleteAfterDays: withDefault('ARCHIVE_DELETE_AFTER_DAYS')
    .pipe(
      z.string().regex(/^\d{1,5}$/, {
        error: (issue) =>
          `ARCHIVE_DELETE_AFTER_DAYS: "${String(issue.input)}" must be a whole number of days (0 = never delete archived threads).`,
      }),
    )
    .transform(Number),
  retentionDays: withDefault('RETENTION_DAYS')
    .pipe(
      z.string().regex(/^[1-9]\d{0,4}$/, {
        error: (issue) => `RETENTION_DAYS: "${String(issue.input)}" must be a whole number of days, 1 or more.`,
      }),
    )
    .transform(Number),
  botDisplayName: withDefault('BOT_DISPLAY_NAME').pipe(
    z.string().max(256, 'BOT_DISPLAY_NAME: must be at most 256 characters.'),
  ),
});

/** Reads and validates every setting; collects all problems before failing so one start-up shows them all. */
export function loadConfig(env: Env = process.env): AppConfig {
  const result = configSchema.safeParse({
    storage: env,
    acs: env,
    archiveContainer: env['ARCHIVE_CONTAINER'],
    scheduleDispatchCron: env['SCHEDULE_DISPATCH_CRON'],
    archiveCron: env['ARCHIVE_CRON'],
    housekeepingCron: env['HOUSEKEEPING_CRON'],
    archiveDeleteAfterDays: env['ARCHIVE_DELETE_AFTER_DAYS'],
    retentionDays: env['RETENTION_DAYS'],
    botDisplayName: env['BOT_DISPLAY_NAME'],
  });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => issue.message));
  return result.data;
}

let cached: AppConfig | undefined;

/** The app's configuration, loaded on first use. */
export function getConfig(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
