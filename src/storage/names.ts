/**
 * Every queue and table the app uses, named once: services.ts opens them by these names and infra/main.bicep
 * pre-creates exactly these (test/unit/infra.test.ts compares). The bot's per-day event tables
 * (`botevents<yyyymmdd>`, src/bot/eventDedupe.ts) are created and dropped at run time, so they are not listed.
 */
export const STORAGE_NAMES = {
  queues: {
    participantRetries: 'participant-retries',
    scheduleSends: 'schedule-sends',
    archiveJobs: 'archive-jobs',
    botCommands: 'bot-commands',
  },
  tables: {
    appState: 'appstate',
    idempotency: 'idempotency',
    participantJobs: 'participantjobs',
    schedules: 'schedules',
    scheduleDue: 'scheduledue',
    archiveRuns: 'archiveruns',
    archiveNotes: 'archivenotes',
    botThreads: 'botthreads',
  },
} as const;

/**
 * Where the Functions host moves a queue message that failed `maxDequeueCount` deliveries (host.json). The app
 * reads each one there (src/functions/poisonMessages.ts), so no record stays in progress without a word.
 */
export const poisonQueueOf = (queue: string): string => `${queue}-poison`;
