import { app } from '@azure/functions';
import { scheduleAnswer, updateSchedule as operation } from '../api/schedules';
import { DomainError } from '../domainErrors';
import { versionFromIfMatch } from '../http/etag';
import { handleOperation, httpTrigger } from '../http/operation';
import { getScheduleService } from '../services';

export const updateSchedule = handleOperation(operation, async ({ params, body, request }) => {
  const header = request.headers.get('if-match');
  if (header === null) {
    throw new DomainError(
      'preconditionRequired',
      'If-Match is required: send the ETag of the schedule as you read it, so a concurrent edit is not overwritten.',
    );
  }
  // An If-Match that is not one of our ETags can match no version.
  const version = versionFromIfMatch(header) ?? '\u0000unknown';
  return scheduleAnswer(200, await (await getScheduleService()).update(params.scheduleId, body, version));
});

app.http('updateSchedule', { ...httpTrigger(operation), handler: updateSchedule });
