import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  ARCHIVE_JOB_QUEUE,
  BOT_COMMAND_QUEUE,
  getArchiveService,
  getBot,
  getBulkAdd,
  PARTICIPANT_RETRY_QUEUE,
  SCHEDULE_SEND_QUEUE,
} from '../services';
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

// The occurrences' index rows stay claimed until the claim expires; then the dispatcher hands them out again, and
// the sender's claims on the schedule rows keep each message to one post (src/schedules/occurrenceSender.ts).
onPoison('sendScheduledMessagesPoison', SCHEDULE_SEND_QUEUE, sendBatch, async (batch) => {
  const occurrences = batch.items.map((i) => `${i.scheduleId}@${i.occurrence}`).join(', ');
  return `scheduled messages in ${batch.threadId} (${occurrences}) will be handed out again once their claim expires`;
});
