import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getParticipantJobSweep, getRetentionSweep } from '../services';

/**
 * The app's housekeeping (HOUSEKEEPING_CRON): re-drives bulk-add jobs that a crash left with no queue message
 * (src/participants/jobSweep.ts) and deletes what retention lets go (src/housekeeping/retentionSweep.ts).
 */
export async function housekeeping(_timer: Timer, context: InvocationContext): Promise<void> {
  const redriven = await (await getParticipantJobSweep()).run();
  const pruned = await (await getRetentionSweep()).run();
  context.log(
    `Housekeeping: re-drove ${redriven} participant jobs; deleted ${pruned.idempotencyKeys} expired idempotency ` +
      `keys, ${pruned.schedules} ended schedules, ${pruned.participantJobs} completed participant jobs, ` +
      `${pruned.archiveRuns} archive runs`,
  );
}

app.timer('housekeeping', { schedule: '%HOUSEKEEPING_CRON%', handler: housekeeping });
