import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  ARCHIVE_JOB_QUEUE,
  BOT_COMMAND_QUEUE,
  getArchiveService,
  getBot,
  getBulkAdd,
  getOccurrenceSender,
  PARTICIPANT_RETRY_QUEUE,
  SCHEDULE_SEND_QUEUE,
} from '../services';
import type { PoisonedOutcome } from '../schedules/occurrenceSender';
import { poisonQueueOf } from '../storage/names';
import { archiveJobMessage } from './archiveJobs';
import { botCommandMessage } from './botCommands';
import { retryMessage } from './participantRetries';
import { sendBatch } from './sendScheduledMessages';

/**
 * One trigger per poison queue: a message the host gave up on (it failed `maxDequeueCount` deliveries) ends the
 * work it carried visibly, with an error logged, instead of leaving its record in progress for ever.
 */
function onPoison<S extends z.ZodType>(
  name: string,
  queue: string,
  schema: S,
  abandon: (message: z.infer<S>, context: InvocationContext) => Promise<string>,
): void {
  app.storageQueue(name, {
    queueName: poisonQueueOf(queue),
    connection: 'AzureWebJobsStorage',
    handler: async (message: unknown, context: InvocationContext) => {
      const parsed = schema.safeParse(message);
      if (!parsed.success) {
        context.error(`Ignoring a malformed ${poisonQueueOf(queue)} message`);
        return;
      }
      const outcome = await abandon(parsed.data, context);
      context.error(`A ${queue} message failed on every delivery and was given up: ${outcome}`);
    },
  });
}

onPoison('archiveJobsPoison', ARCHIVE_JOB_QUEUE, archiveJobMessage, async (job) => {
  const run = await (await getArchiveService()).abandonJob(job);
  return run
    ? `archive run ${job.runId} of ${job.threadId} is ${run.state}${run.error ? ` (${run.error})` : ''}`
    : `archive run ${job.runId} of ${job.threadId} has no record`;
});

onPoison('botCommandsPoison', BOT_COMMAND_QUEUE, botCommandMessage, async (job) => {
  const outcome = await (await getBot()).abandon(job);
  const said = {
    replied: 'the user was told it could not be carried out',
    'done before': 'it had been carried out after all; its reply is in the thread',
    'in progress': 'an attempt is still carrying it out',
  }[outcome];
  return `command ${job.messageId} in ${job.threadId}: ${said}`;
});

onPoison('participantRetriesPoison', PARTICIPANT_RETRY_QUEUE, retryMessage, async (round) => {
  const outcome = await (await getBulkAdd()).abandonRound(round);
  const said = {
    'given up': 'its participants still retrying are marked failed and the job completed',
    'already handled': 'the job had moved on',
    'not found': 'the job does not exist',
  }[outcome];
  return `participant job ${round.jobId} round ${round.round}: ${said}`;
});

function describe(outcome: PoisonedOutcome): string {
  switch (outcome.kind) {
    case 'handed out again':
      return `will be handed out again once its claim expires (poisoned ${outcome.poisoned} of ${outcome.of} times)`;
    case 'given up':
      return 'was given up: its schedule is failed (deliveryFailed)';
    case 'recorded':
      return 'had been posted by an earlier attempt: recorded as sent';
    case 'still being sent':
      return 'is still being sent by an attempt';
    case 'finished':
      return 'had finished';
  }
}

// Each occurrence is handed out again by the dispatcher once its claim expires, a few times; then it is given up
// (src/schedules/occurrenceSender.ts, abandon).
onPoison('sendScheduledMessagesPoison', SCHEDULE_SEND_QUEUE, sendBatch, async (batch) => {
  const outcomes = await (await getOccurrenceSender()).abandon(batch);
  const said = outcomes.map(({ item, outcome }) => `${item.scheduleId}@${item.occurrence} ${describe(outcome)}`);
  return `scheduled messages in ${batch.threadId}: ${said.join('; ')}`;
});
