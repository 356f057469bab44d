import { app } from '@azure/functions';
import { addParticipants as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const addParticipants = handleOperation(operation, async ({ params, body }) => {
  const answer = await (await getThreadService()).addParticipants(params.threadId, body.participants);
  return { status: answer.status, jsonBody: answer.body };
});

app.http('addParticipants', { ...httpTrigger(operation), handler: addParticipants });
