import { app } from '@azure/functions';
import { archiveThread as operation } from '../api/archive';
import { handleOperation, httpTrigger } from '../http/operation';
import { getArchiveService } from '../services';

export const archiveThread = handleOperation(operation, async ({ params, request }) => {
  const run = await (await getArchiveService()).requestRun(params.threadId, 'http');
  return {
    status: 202,
    headers: { location: new URL(request.url).pathname },
    jsonBody: { threadId: run.threadId, runId: run.runId, state: run.state, queuedAt: run.queuedAt },
  };
});

app.http('archiveThread', { ...httpTrigger(operation), handler: archiveThread });
