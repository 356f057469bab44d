import { app } from '@azure/functions';
import { getParticipantJob as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getBulkAdd } from '../services';

export const getParticipantJob = handleOperation(operation, async ({ params }) => {
  const { job, participants } = await (await getBulkAdd()).getJob(params.threadId, params.jobId);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      jobId: job.jobId,
      threadId: job.threadId,
      state: job.state,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      participants,
    },
  };
});

app.http('getParticipantJob', { ...httpTrigger(operation), handler: getParticipantJob });
