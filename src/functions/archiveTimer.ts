import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getArchiveService } from '../services';

/** Nightly (ARCHIVE_CRON): one queued run per thread of the service user; archiveJobs does the work. */
export async function archiveTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const queued = await (await getArchiveService()).enqueueAll();
  context.log(`Queued archive runs for ${queued} threads`);
}

app.timer('archiveTimer', { schedule: '%ARCHIVE_CRON%', handler: archiveTimer });
