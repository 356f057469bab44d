import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { getOccurrenceSender, SCHEDULE_SEND_QUEUE } from '../services';

export const sendBatch = z.object({
  threadId: z.string().min(1),
  items: z
    .array(z.object({ scheduleId: z.string().min(1), occurrence: z.iso.datetime(), attempt: z.number().int().min(0) }))
    .min(1)
    .max(1000),
});

/** Sends one thread's due occurrences (src/schedules/occurrenceSender.ts). */
export async function sendScheduledMessages(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = sendBatch.safeParse(message);
  if (!parsed.success) {
    // Not ours to fix by retrying: drop it with a log line instead of poisoning the queue five times.
    context.error(`Ignoring a malformed ${SCHEDULE_SEND_QUEUE} message`);
    return;
  }
  const r = await (await getOccurrenceSender()).handle(parsed.data);
  context.log(
    `Scheduled sends in ${parsed.data.threadId}: ${r.sent} sent (${r.recovered} found already posted), ` +
      `${r.deferred} deferred, ${r.failed} failed, ${r.dropped} dropped, ${r.duplicates} duplicate; ` +
      `max lateness ${r.maxLatenessMs} ms`,
  );
}

app.storageQueue('sendScheduledMessages', {
  queueName: SCHEDULE_SEND_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: sendScheduledMessages,
});
