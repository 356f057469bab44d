import { app } from '@azure/functions';
import { getArchive as operation } from '../api/archive';
import { handleOperation, httpTrigger } from '../http/operation';
import { getArchiveService } from '../services';

export const getArchive = handleOperation(operation, async ({ params }) => ({
  status: 200,
  jsonBody: await (await getArchiveService()).getArchive(params.threadId),
}));

app.http('getArchive', { ...httpTrigger(operation), handler: getArchive });
