import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getParticipantJobSweep } from '../services';

/**
 * The app's housekeeping (HOUSEKEEPING_CRON): re-drives bulk-add jobs that a crash left with no queue message
 * (src/participants/jobSweep.ts). Other periodic clean-ups belong here too, each in its own domain class.
 */
export async function housekeeping(_timer: Timer, context: InvocationContext): Promise<void> {
  const redriven = await (await getParticipantJobSweep()).run();
  context.log(`Housekeeping: re-drove ${redriven} participant jobs`);
}

app.timer('housekeeping', { schedule: '%HOUSEKEEPING_CRON%', handler: housekeeping });
