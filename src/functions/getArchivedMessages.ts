import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { app } from '@azure/functions';
import { getArchivedMessages as operation } from '../api/archive';
import type { ArchiveRecord } from '../archive/records';
import { handleOperation, httpTrigger } from '../http/operation';
import { getArchiveService } from '../services';

export const getArchivedMessages = handleOperation(operation, async ({ params, query, request }) => {
  const records = await (
    await getArchiveService()
  ).openMessages(params.threadId, {
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    includeSystem: query.includeSystem,
    versions: query.versions,
  });
  const lines = Readable.from(ndjson(records));
  // The body streams to the client as it is read (enableHttpStream, src/index.ts); compressed when the client
  // accepts it, it is several times smaller on the wire and in what the worker holds for a slow client.
  const gzip = /\bgzip\b/i.test(request.headers.get('accept-encoding') ?? '');
  return {
    status: 200,
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? pipeline(lines, createGzip({ level: 3 }), () => undefined) : lines,
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
