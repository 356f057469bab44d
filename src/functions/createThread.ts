import { app } from '@azure/functions';
import { createThread as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const createThread = handleOperation(operation, async ({ body, request }) => {
  const key = request.headers.get('idempotency-key') ?? undefined;
  const answer = await (await getThreadService()).create(body, key);
  return {
    status: answer.status,
    headers: answer.replayed ? { 'idempotent-replayed': 'true' } : ({} as Record<string, string>),
    jsonBody: answer.body,
  };
});

app.http('createThread', { ...httpTrigger(operation), handler: createThread });
