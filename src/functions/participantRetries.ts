import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { getBulkAdd, PARTICIPANT_RETRY_QUEUE } from '../services';

export const retryMessage = z.object({ jobId: z.string().min(1), round: z.number().int().min(0) });

/** One background round of a bulk-add job (see src/participants/bulkAdd.ts). */
export async function participantRetries(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = retryMessage.safeParse(message);
  if (!parsed.success) {
    // Not ours to fix by retrying: drop it with a log line instead of poisoning the queue five times.
    context.error(`Ignoring a malformed ${PARTICIPANT_RETRY_QUEUE} message`);
    return;
  }
  await (await getBulkAdd()).retryRound(parsed.data);
}

app.storageQueue('participantRetries', {
  queueName: PARTICIPANT_RETRY_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: participantRetries,
});
