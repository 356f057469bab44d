import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { threadId } from '../api/common';
import { ARCHIVE_JOB_QUEUE, getArchiveService } from '../services';

export const archiveJobMessage = z.object({
  threadId,
  runId: z.string().min(1),
  runKey: z.string().min(1),
  trigger: z.string(),
});

/** Archives one thread per queue message, so in Azure many instances share a night's runs. */
export async function archiveJobs(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = archiveJobMessage.safeParse(message);
  if (!parsed.success) {
    context.error(`Ignoring a malformed ${ARCHIVE_JOB_QUEUE} message`);
    return;
  }
  const summary = await (await getArchiveService()).runJob(parsed.data);
  if (summary === 'requeued') {
    context.log(`Archive run ${parsed.data.runId}: this instance is busy with other runs; queued again`);
    return;
  }
  context.log(
    `Archive run ${summary.runId}: ${summary.outcome}, ${summary.newMessages} new, ${summary.changes} changed, ${summary.parts} parts, ${summary.pages} pages`,
  );
}

app.storageQueue('archiveJobs', {
  queueName: ARCHIVE_JOB_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archiveJobs,
});
