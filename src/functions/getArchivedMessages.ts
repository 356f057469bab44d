import { Readable } from 'node:stream';
import { app } from '@azure/functions';
import { getArchivedMessages as operation } from '../api/archive';
import type { ArchiveRecord } from '../archive/records';
import { handleOperation, httpTrigger } from '../http/operation';
import { getArchiveService } from '../services';

export const getArchivedMessages = handleOperation(operation, async ({ params, query }) => {
  const records = await (
    await getArchiveService()
  ).openMessages(params.threadId, {
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    includeSystem: query.includeSystem,
    versions: query.versions,
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/x-ndjson; charset=utf-8' },
    body: Readable.from(ndjson(records)),
  };
});

/** One line per record, in chunks of about 64 KiB rather than one write per line. */
async function* ndjson(records: AsyncIterable<ArchiveRecord>): AsyncGenerator<Buffer> {
  let chunk = '';
  for await (const record of records) {
    chunk += `${JSON.stringify(record)}\n`;
    if (chunk.length >= 64 * 1024) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk) yield Buffer.from(chunk);
}

app.http('getArchivedMessages', { ...httpTrigger(operation), handler: getArchivedMessages });
