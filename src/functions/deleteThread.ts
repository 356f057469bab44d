import { app } from '@azure/functions';
import { deleteThread as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getThreadService } from '../services';

export const deleteThread = handleOperation(operation, async ({ params }) => {
  await (await getThreadService()).delete(params.threadId);
  return { status: 204 };
});

app.http('deleteThread', { ...httpTrigger(operation), handler: deleteThread });
