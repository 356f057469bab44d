import { app } from '@azure/functions';
import { API_OPERATIONS } from '../api';
import { openApiDocument as operation } from '../api/health';
import { buildOpenApiDocument } from '../http/openapi';
import { handleOperation, httpTrigger } from '../http/operation';

let document: string | undefined;

export const openapi = handleOperation(operation, async () => {
  document ??= JSON.stringify(
    buildOpenApiDocument(API_OPERATIONS, {
      title: 'ACS chat automation',
      version: '1.0.0',
      description: 'Threads, participants, messages, schedules and archives for Azure Communication Services Chat.',
    }),
  );
  return { status: 200, headers: { 'content-type': 'application/json' }, body: document };
});

app.http('openapi', { ...httpTrigger(operation), handler: openapi });
