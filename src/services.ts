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
import { Bot, type BotSchedule, type BotSchedules, type CommandJob } from './bot/bot';
import type { ChatEventDeps } from './bot/chatEvents';
import { tableEventDedupe } from './bot/eventDedupe';
import { tableThreadSettings } from './bot/threadSettings';
import { createIdentityClient } from './acs/identityClient';
import { createChatPort } from './acs/sdkChatPort';
import { ServiceIdentity } from './acs/serviceIdentity';
import { getConfig } from './config';
import { tableIdempotencyStore } from './idempotency/idempotencyStore';
import { RetentionSweep } from './housekeeping/retentionSweep';
import { BulkAdd, type RetryMessage } from './participants/bulkAdd';
import { tableJobStore } from './participants/jobStore';
import { ParticipantJobSweep } from './participants/jobSweep';
import { jsonQueue, type JsonQueue } from './storage/jsonQueue';
import { STORAGE_NAMES } from './storage/names';
import { ThreadService } from './threads/threadService';
import { createStorageClients } from './storage/clients';
import type { StorageClients } from './storage/clients';
import { serviceUserTable } from './storage/serviceUserTable';
import { Dispatcher, type HandOutSoon } from './schedules/dispatcher';
import { parseNcrontab } from './cron/ncrontab';
import { tableDueIndex, type DueIndex } from './schedules/dueIndex';
import { OccurrenceSender, type SendBatch } from './schedules/occurrenceSender';
import type { Schedule } from './schedules/schedule';
import { ScheduleService } from './schedules/scheduleService';
import { tableScheduleStore, type ScheduleStore } from './schedules/scheduleStore';
import { ThreadSendLimiter } from './schedules/threadSendLimiter';

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
    return new ServiceIdentity(identity, serviceUserTable(clients.table(STORAGE_NAMES.tables.appState)));
  })();
  return serviceIdentity;
}

/** Chat as the service user. */
export function getChatPort(): Promise<ChatPort> {
  chatPort ??= (async () => createChatPort(getConfig().acs.endpoint, await getServiceIdentity()))();
  return chatPort;
}

/** One instance per process of what `make` builds, made on first use (each store creates its table once). */
function perProcess<T>(make: () => T | Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= (async () => make())());
}

const getIdempotencyStore = perProcess(async () =>
  tableIdempotencyStore((await getStorage()).table(STORAGE_NAMES.tables.idempotency)),
);
const getJobStore = perProcess(async () =>
  tableJobStore((await getStorage()).table(STORAGE_NAMES.tables.participantJobs)),
);
const getRunLog = perProcess(async () => tableRunLog((await getStorage()).table(STORAGE_NAMES.tables.archiveRuns)));

let threadService: Promise<ThreadService> | undefined;
let bulkAdd: Promise<BulkAdd> | undefined;

/** Queue of background participant-add rounds (its trigger: src/functions/participantRetries.ts). */
export const PARTICIPANT_RETRY_QUEUE = STORAGE_NAMES.queues.participantRetries;

export function getBulkAdd(): Promise<BulkAdd> {
  bulkAdd ??= (async () => {
    const [chat, clients, jobs] = await Promise.all([getChatPort(), getStorage(), getJobStore()]);
    return new BulkAdd({
      chat,
      jobs,
      queue: jsonQueue<RetryMessage>(clients.queues.getQueueClient(PARTICIPANT_RETRY_QUEUE)),
    });
  })();
  return bulkAdd;
}

let retentionSweep: Promise<RetentionSweep> | undefined;

/** Deletes expired idempotency keys and records past RETENTION_DAYS (run by the housekeeping timer). */
export function getRetentionSweep(): Promise<RetentionSweep> {
  retentionSweep ??= (async () => {
    const [keys, { store }, jobs, runs] = await Promise.all([
      getIdempotencyStore(),
      getScheduleStorage(),
      getJobStore(),
      getRunLog(),
    ]);
    return new RetentionSweep({
      keys,
      schedules: store,
      jobs,
      runs,
      retentionDays: getConfig().retentionDays,
    });
  })();
  return retentionSweep;
}

let participantJobSweep: Promise<ParticipantJobSweep> | undefined;

/** Re-drives bulk-add jobs left with no queue message (run by the housekeeping timer). */
export function getParticipantJobSweep(): Promise<ParticipantJobSweep> {
  participantJobSweep ??= (async () => {
    const [clients, jobs] = await Promise.all([getStorage(), getJobStore()]);
    return new ParticipantJobSweep({
      jobs,
      queue: jsonQueue<RetryMessage>(clients.queues.getQueueClient(PARTICIPANT_RETRY_QUEUE)),
    });
  })();
  return participantJobSweep;
}

export function getThreadService(): Promise<ThreadService> {
  threadService ??= (async () => {
    const [chat, bulk, idempotency] = await Promise.all([getChatPort(), getBulkAdd(), getIdempotencyStore()]);
    return new ThreadService({
      chat,
      bulkAdd: bulk,
      idempotency,
      serviceDisplayName: getConfig().botDisplayName,
    });
  })();
  return threadService;
}

/** Queue of due occurrences, one message per thread (its trigger: src/functions/sendScheduledMessages.ts). */
export const SCHEDULE_SEND_QUEUE = STORAGE_NAMES.queues.scheduleSends;

let scheduleStorage: Promise<{ store: ScheduleStore; dueIndex: DueIndex; sends: JsonQueue<SendBatch> }> | undefined;
let scheduleService: Promise<ScheduleService> | undefined;
let dispatcher: Promise<Dispatcher> | undefined;
let occurrenceSender: Promise<OccurrenceSender> | undefined;

/** One store, due index and send queue per process, shared by the API, the dispatcher and the sender. */
function getScheduleStorage(): Promise<{ store: ScheduleStore; dueIndex: DueIndex; sends: JsonQueue<SendBatch> }> {
  scheduleStorage ??= (async () => {
    const clients = await getStorage();
    return {
      store: tableScheduleStore(clients.table(STORAGE_NAMES.tables.schedules)),
      dueIndex: tableDueIndex(clients.table(STORAGE_NAMES.tables.scheduleDue)),
      sends: jsonQueue<SendBatch>(clients.queues.getQueueClient(SCHEDULE_SEND_QUEUE)),
    };
  })();
  return scheduleStorage;
}

export function getScheduleService(): Promise<ScheduleService> {
  scheduleService ??= (async () => {
    const [chat, { store, dueIndex }, handOutSoon] = await Promise.all([
      getChatPort(),
      getScheduleStorage(),
      getHandOutSoon(),
    ]);
    return new ScheduleService({ chat, store, dueIndex, handOutSoon });
  })();
  return scheduleService;
}

export function getDispatcher(): Promise<Dispatcher> {
  dispatcher ??= (async () => {
    const { dueIndex, sends } = await getScheduleStorage();
    // The timer's own cron tells what falls due before its next run, to be handed out ahead (on time).
    const timer = parseNcrontab(getConfig().scheduleDispatchCron);
    return new Dispatcher({
      dueIndex,
      queue: sends,
      nextTickAfter: (now) => timer.nextRun(new Date(now))?.getTime() ?? now,
    });
  })();
  return dispatcher;
}

async function getHandOutSoon(): Promise<HandOutSoon> {
  const d = await getDispatcher();
  return (scheduleId, dueAt) => d.handOutSoon(scheduleId, dueAt);
}

export function getOccurrenceSender(): Promise<OccurrenceSender> {
  occurrenceSender ??= (async () => {
    const [chat, { store, dueIndex, sends }, handOutSoon] = await Promise.all([
      getChatPort(),
      getScheduleStorage(),
      getHandOutSoon(),
    ]);
    return new OccurrenceSender({
      chat,
      store,
      dueIndex,
      queue: sends,
      handOutSoon,
      limiter: new ThreadSendLimiter(),
      serviceDisplayName: getConfig().botDisplayName,
    });
  })();
  return occurrenceSender;
}

/** Queue of archive runs, one message per thread run (its trigger: src/functions/archiveJobs.ts). */
export const ARCHIVE_JOB_QUEUE = STORAGE_NAMES.queues.archiveJobs;

let archiveService: Promise<ArchiveService> | undefined;

export function getArchiveService(): Promise<ArchiveService> {
  archiveService ??= (async () => {
    const [chat, clients, runs] = await Promise.all([getChatPort(), getStorage(), getRunLog()]);
    const config = getConfig();
    return new ArchiveService({
      chat,
      store: new ArchiveStore(clients.blobs.getContainerClient(config.archiveContainer)),
      runs,
      notes: tableChangeNotes(clients.table(STORAGE_NAMES.tables.archiveNotes)),
      queue: jsonQueue<ArchiveJob>(clients.queues.getQueueClient(ARCHIVE_JOB_QUEUE)),
      settings: { deleteAfterDays: config.archiveDeleteAfterDays },
    });
  })();
  return archiveService;
}

/** Queue of bot commands taken from chat events (its trigger: src/functions/botCommands.ts). */
export const BOT_COMMAND_QUEUE = STORAGE_NAMES.queues.botCommands;

let bot: Promise<Bot> | undefined;
let chatEventDeps: Promise<ChatEventDeps> | undefined;

/** The chat bot, over the schedules and the archive. */
export function getBot(): Promise<Bot> {
  bot ??= (async () => {
    const [chat, clients, schedules, archive, claims] = await Promise.all([
      getChatPort(),
      getStorage(),
      getScheduleService(),
      getArchiveService(),
      getIdempotencyStore(),
    ]);
    return new Bot({
      chat,
      schedules: botSchedules(schedules),
      archive,
      settings: tableThreadSettings(clients.table(STORAGE_NAMES.tables.botThreads)),
      claims,
      displayName: getConfig().botDisplayName,
    });
  })();
  return bot;
}

/** What the Event Grid function needs: kept light, since it must answer Event Grid fast. */
export function getChatEventDeps(): Promise<ChatEventDeps> {
  chatEventDeps ??= (async () => {
    const [clients, identity] = await Promise.all([getStorage(), getServiceIdentity()]);
    return {
      serviceUserId: () => identity.userId(),
      dedupe: tableEventDedupe(clients.tables, (name) => clients.table(name)),
      commands: jsonQueue<CommandJob>(clients.queues.getQueueClient(BOT_COMMAND_QUEUE)),
      noteChanged: async (threadId, messageId) => (await getArchiveService()).noteMessageChanged(threadId, messageId),
    };
  })();
  return chatEventDeps;
}

/** The schedules as the bot sees them: one call per command, a thread's active schedules in one list. */
function botSchedules(schedules: ScheduleService): BotSchedules {
  const view = (s: Schedule): BotSchedule => ({
    scheduleId: s.scheduleId,
    state: s.state,
    content: s.content,
    ...(s.nextRunAt ? { nextRunAt: s.nextRunAt } : {}),
    ...(s.timing.kind === 'recurring' ? { cron: s.timing.cron } : {}),
  });
  return {
    createOnce: async (threadId, input, once) => view(await schedules.createOnce(threadId, input, once.key, once.at)),
    list: async (threadId) => (await schedules.list(threadId, { state: 'active' })).schedules.map(view),
    cancel: async (threadId, scheduleId) => view(await schedules.cancel(scheduleId, { threadId })),
  };
}
