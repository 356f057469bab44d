import { app } from '@azure/functions';
import { listSchedules as operation, toScheduleView } from '../api/schedules';
import { handleOperation, httpTrigger } from '../http/operation';
import { getScheduleService } from '../services';

export const listSchedules = handleOperation(operation, async ({ params, query }) => {
  const page = await (await getScheduleService()).list(params.threadId, query);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      schedules: page.schedules.map(toScheduleView),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    },
  };
});

app.http('listSchedules', { ...httpTrigger(operation), handler: listSchedules });
