import { z } from 'zod';
import { defineOperation } from '../http/operation';

const check = z.object({ status: z.enum(['up', 'down']), durationMs: z.number(), error: z.string().optional() });

const report = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  checks: z.record(z.string(), check),
  down: z.array(z.string()),
});

export const health = defineOperation({
  name: 'health',
  method: 'GET',
  route: 'health',
  summary: 'Checks storage and ACS',
  tags: ['Operations'],
  authLevel: 'anonymous',
  responses: {
    200: { description: 'Healthy', schema: report },
    503: { description: 'Something is down: `down` names it', schema: report },
  },
});

export const openApiDocument = defineOperation({
  name: 'openapi',
  method: 'GET',
  route: 'openapi.json',
  summary: 'This OpenAPI 3.1 document',
  tags: ['Operations'],
  authLevel: 'function',
  responses: { 200: { description: 'The document', contentType: 'application/json' } },
});
