import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { getDispatcher } from '../services';

/** Hands out the scheduled messages now due (src/schedules/dispatcher.ts) and logs the pipeline's state. */
export async function dispatchSchedules(_timer: Timer, context: InvocationContext): Promise<void> {
  const r = await (await getDispatcher()).tick();
  const line =
    `Scheduled messages: ${r.due} due, ${r.dispatched} dispatched (${r.ahead} ahead of their due time), ${r.deferred} deferred; since last tick ` +
    `${r.sent} sent, ${r.failed} failed, ${r.dropped} dropped; oldest lateness ${r.oldestLatenessMs} ms; ` +
    `${r.rowsRead} index rows read${r.truncated ? ' (more due than one tick reads)' : ''}`;
  if (r.failed > 0 || r.truncated) context.warn(line);
  else context.log(line);
}

app.timer('dispatchSchedules', { schedule: '%SCHEDULE_DISPATCH_CRON%', handler: dispatchSchedules });
