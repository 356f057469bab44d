import { app } from '@azure/functions';
import { getThread as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const getThread = handleOperation(operation, async ({ params }) => ({
  status: 200,
  jsonBody: await (await getThreadService()).get(params.threadId),
}));

app.http('getThread', { ...httpTrigger(operation), handler: getThread });
