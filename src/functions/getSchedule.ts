import { app } from '@azure/functions';
import { getSchedule as operation, scheduleAnswer } from '../api/schedules';
import { handleOperation, httpTrigger } from '../http/operation';
import { getScheduleService } from '../services';

export const getSchedule = handleOperation(operation, async ({ params }) =>
  scheduleAnswer(200, await (await getScheduleService()).get(params.scheduleId)),
);

app.http('getSchedule', { ...httpTrigger(operation), handler: getSchedule });
