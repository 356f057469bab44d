import { app } from '@azure/functions';
import { sendMessage as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const sendMessage = handleOperation(operation, async ({ params, body }) => ({
  status: 201,
  jsonBody: await (await getThreadService()).send(params.threadId, body),
}));

app.http('sendMessage', { ...httpTrigger(operation), handler: sendMessage });
