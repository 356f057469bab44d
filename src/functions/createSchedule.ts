import { app } from '@azure/functions';
import { createSchedule as operation, scheduleAnswer } from '../api/schedules';
import { handleOperation, httpTrigger } from '../http/operation';
import { getScheduleService } from '../services';

export const createSchedule = handleOperation(operation, async ({ params, body }) => {
  const schedule = await (await getScheduleService()).create(params.threadId, body);
  return scheduleAnswer(201, schedule, { location: `/api/schedules/${schedule.scheduleId}` });
});

app.http('createSchedule', { ...httpTrigger(operation), handler: createSchedule });
