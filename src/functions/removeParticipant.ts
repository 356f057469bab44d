import { app } from '@azure/functions';
import { removeParticipant as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const removeParticipant = handleOperation(operation, async ({ params }) => {
  await (await getThreadService()).removeParticipant(params.threadId, params.userId);
  return { status: 204 };
});

app.http('removeParticipant', { ...httpTrigger(operation), handler: removeParticipant });
