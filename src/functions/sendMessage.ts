import { app } from '@azure/functions';
import { sendMessage as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const sendMessage = handleOperation(operation, async ({ params, body, request }) => {
  const key = request.headers.get('idempotency-key') ?? undefined;
  const answer = await (await getThreadService()).send(params.threadId, body, key);
  return {
    status: answer.status,
    headers: answer.replayed ? { 'idempotent-replayed': 'true' } : ({} as Record<string, string>),
    jsonBody: answer.body,
  };
});

app.http('sendMessage', { ...httpTrigger(operation), handler: sendMessage });
