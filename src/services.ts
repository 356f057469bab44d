/**
 * The composition root: builds the app's clients once per process from the configuration.
 * Triggers ask for what they need here; domain code receives its clients as arguments.
 */
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import type { ChatPort } from './acs/chatPort';
import { ArchiveService, type ArchiveJob } from './archive/archiveService';
import { ArchiveStore } from './archive/archiveStore';
import { tableChangeNotes } from './archive/changeNotes';
import { tableRunLog } from './archive/runLog';
import { createIdentityClient } from './acs/identityClient';
import { createChatPort } from './acs/sdkChatPort';
import { ServiceIdentity } from './acs/serviceIdentity';
import { getConfig } from './config';
import { tableIdempotencyStore } from './idempotency/idempotencyStore';
import { BulkAdd, type RetryMessage } from './participants/bulkAdd';
import { tableJobStore } from './participants/jobStore';
import { jsonQueue } from './storage/jsonQueue';
import { ThreadService } from './threads/threadService';
import { createStorageClients } from './storage/clients';
import type { StorageClients } from './storage/clients';
import { serviceUserTable } from './storage/serviceUserTable';

/** The table that holds small app-wide state, such as the service user's id. */
export const APP_STATE_TABLE = 'appstate';

let storage: Promise<StorageClients> | undefined;
let identityClient: Promise<CommunicationIdentityClient> | undefined;
let serviceIdentity: Promise<ServiceIdentity> | undefined;
let chatPort: Promise<ChatPort> | undefined;

export function getStorage(): Promise<StorageClients> {
  storage ??= createStorageClients(getConfig().storage);
  return storage;
}

export function getIdentityClient(): Promise<CommunicationIdentityClient> {
  identityClient ??= createIdentityClient(getConfig().acs);
  return identityClient;
}

export function getServiceIdentity(): Promise<ServiceIdentity> {
  serviceIdentity ??= (async () => {
    const [identity, clients] = await Promise.all([getIdentityClient(), getStorage()]);
    return new ServiceIdentity(identity, serviceUserTable(clients.table(APP_STATE_TABLE)));
  })();
  return serviceIdentity;
}

/** Chat as the service user. */
export function getChatPort(): Promise<ChatPort> {
  chatPort ??= (async () => createChatPort(getConfig().acs.endpoint, await getServiceIdentity()))();
  return chatPort;
}

let threadService: Promise<ThreadService> | undefined;
let bulkAdd: Promise<BulkAdd> | undefined;

/** Queue of background participant-add rounds (its trigger: src/functions/participantRetries.ts). */
export const PARTICIPANT_RETRY_QUEUE = 'participant-retries';

export function getBulkAdd(): Promise<BulkAdd> {
  bulkAdd ??= (async () => {
    const [chat, clients] = await Promise.all([getChatPort(), getStorage()]);
    return new BulkAdd({
      chat,
      jobs: tableJobStore(clients.table('participantjobs')),
      queue: jsonQueue<RetryMessage>(clients.queues.getQueueClient(PARTICIPANT_RETRY_QUEUE)),
    });
  })();
  return bulkAdd;
}

export function getThreadService(): Promise<ThreadService> {
  threadService ??= (async () => {
    const [chat, clients, bulk] = await Promise.all([getChatPort(), getStorage(), getBulkAdd()]);
    return new ThreadService({
      chat,
      bulkAdd: bulk,
      idempotency: tableIdempotencyStore(clients.table('idempotency')),
      serviceDisplayName: getConfig().botDisplayName,
    });
  })();
  return threadService;
}

/** Queue of archive runs, one message per thread run (its trigger: src/functions/archiveJobs.ts). */
export const ARCHIVE_JOB_QUEUE = 'archive-jobs';

let archiveService: Promise<ArchiveService> | undefined;

export function getArchiveService(): Promise<ArchiveService> {
  archiveService ??= (async () => {
    const [chat, clients] = await Promise.all([getChatPort(), getStorage()]);
    const config = getConfig();
    return new ArchiveService({
      chat,
      store: new ArchiveStore(clients.blobs.getContainerClient(config.archiveContainer)),
      runs: tableRunLog(clients.table('archiveruns')),
      notes: tableChangeNotes(clients.table('archivenotes')),
      queue: jsonQueue<ArchiveJob>(clients.queues.getQueueClient(ARCHIVE_JOB_QUEUE)),
      settings: { deleteAfterDays: config.archiveDeleteAfterDays },
    });
  })();
  return archiveService;
}
