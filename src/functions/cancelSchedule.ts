import { app } from '@azure/functions';
import { cancelSchedule as operation, scheduleAnswer } from '../api/schedules';
import { versionFromIfMatch } from '../http/etag';
import { handleOperation, httpTrigger } from '../http/operation';
import { getScheduleService } from '../services';

export const cancelSchedule = handleOperation(operation, async ({ params, request }) => {
  const header = request.headers.get('if-match');
  const version = header === null ? undefined : (versionFromIfMatch(header) ?? '\u0000unknown');
  const schedule = await (await getScheduleService()).cancel(params.scheduleId, version ? { version } : {});
  return scheduleAnswer(200, schedule);
});

app.http('cancelSchedule', { ...httpTrigger(operation), handler: cancelSchedule });
