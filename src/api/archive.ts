/** The history-archive operations: archive a thread now, read its manifest, read its messages back. */
import { z } from 'zod';
import { defineOperation } from '../http/operation';
import { isoDateTime, threadId, threadPath } from './common';

const TAGS = ['Archive'];

const runState = z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped', 'threadGone']);

const run = z.object({
  runId: z.string(),
  trigger: z.string().describe('http, timer or direct'),
  state: runState.optional().describe('In the run log: queued and running before the outcome'),
  outcome: runState.optional().describe('In the manifest: how the run ended'),
  queuedAt: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  newMessages: z.number().int().optional(),
  changes: z.number().int().optional().describe('New versions (edits, deletions) of messages archived before'),
  records: z.number().int().optional(),
  parts: z.number().int().optional(),
  pages: z.number().int().optional().describe('list-messages pages read'),
  error: z.string().optional(),
});

const part = z.object({
  name: z.string().describe('Blob name inside the thread folder'),
  records: z.number().int(),
  messages: z.number().int(),
  changes: z.number().int(),
  deletions: z.number().int(),
  bytes: z.number().int(),
  rawBytes: z.number().int(),
  sha256: z.string(),
  firstSequenceId: z.number().int(),
  lastSequenceId: z.number().int(),
  firstMessageOn: z.string(),
  lastMessageOn: z.string(),
  runId: z.string(),
  writtenAt: z.string(),
});

const participant = z.object({
  id: z.string(),
  displayName: z.string().optional(),
  shareHistoryTime: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

const manifestView = z.object({
  format: z.literal('acs-chat-archive/1'),
  threadId,
  thread: z
    .object({
      topic: z.string(),
      createdOn: z.string(),
      createdBy: z.string().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
      participants: z.array(participant),
      capturedAt: z.string(),
      goneFromAcsAt: z.string().optional(),
      deletedByArchiveAt: z.string().optional(),
    })
    .optional()
    .describe('Properties and participants as the last run found them'),
  parts: z.array(part),
  counts: z.object({
    messages: z.number().int(),
    records: z.number().int(),
    changes: z.number().int(),
    deletions: z.number().int(),
    parts: z.number().int(),
    bytes: z.number().int(),
  }),
  firstMessageOn: z.string().optional(),
  lastMessageOn: z.string().optional(),
  watermark: z
    .object({ sequenceId: z.number().int(), messageId: z.string().optional(), createdOn: z.string().optional() })
    .optional()
    .describe('Every message up to this one is archived'),
  newest: z.object({ sequenceId: z.number().int(), messageId: z.string(), createdOn: z.string() }).optional(),
  coverage: z.array(z.tuple([z.number().int(), z.number().int()])).describe('Sequence ranges archived completely'),
  lastRun: run.optional().describe('The latest run: queued, running, or how it ended'),
  updatedAt: z.string(),
});

export const archivedMessage = z.object({
  id: z.string(),
  sequenceId: z.string(),
  version: z.string(),
  type: z.string().describe('text, html, topicUpdated, participantAdded, participantRemoved'),
  createdOn: z.string(),
  editedOn: z.string().optional(),
  deletedOn: z.string().optional(),
  senderId: z.string().optional(),
  senderDisplayName: z.string().optional(),
  content: z.object({
    message: z.string().optional(),
    topic: z.string().optional(),
    participants: z.array(participant).optional(),
    initiatorId: z.string().optional(),
  }),
  metadata: z.record(z.string(), z.string()).optional(),
});

export const archiveThread = defineOperation({
  name: 'archiveThread',
  method: 'POST',
  route: 'threads/{threadId}/archive',
  summary: 'Archive a thread now',
  description:
    'Queues an incremental run: what is new since the last run, plus edits and deletions in the re-scan window. Follow it with GET …/archive.',
  tags: TAGS,
  authLevel: 'function',
  params: threadPath,
  responses: {
    202: {
      description: 'Queued',
      schema: z.object({ threadId, runId: z.string(), state: z.literal('queued'), queuedAt: z.string() }),
      headers: { location: 'The archive manifest, with this run’s state' },
    },
    403: { description: 'The service user may not read the thread' },
    404: { description: 'ACS has no such thread' },
  },
});

export const getArchive = defineOperation({
  name: 'getArchive',
  method: 'GET',
  route: 'threads/{threadId}/archive',
  summary: 'The manifest of a thread’s archive and the state of its latest run',
  tags: TAGS,
  authLevel: 'function',
  params: threadPath,
  responses: {
    200: { description: 'The manifest', schema: manifestView },
    404: { description: 'The thread was never archived' },
  },
});

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

export const readArchiveQuery = z
  .object({
    from: isoDateTime.optional().describe('Messages created at or after this time'),
    to: isoDateTime.optional().describe('Messages created before this time'),
    includeSystem: flag.describe('Also list system messages (topic and participant changes); default false'),
    versions: z
      .enum(['latest', 'all'])
      .default('latest')
      .describe('latest: each message as it is now; all: every archived version, oldest first'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: 'must be after from',
    params: { rule: 'after:from' },
  });

export const getArchivedMessages = defineOperation({
  name: 'getArchivedMessages',
  method: 'GET',
  route: 'threads/{threadId}/archive/messages',
  summary: 'The archived messages as NDJSON, in chronological order',
  description:
    'One JSON object per line (the archive record format), oldest first, read from the archive part by part.',
  tags: TAGS,
  authLevel: 'function',
  params: threadPath,
  query: readArchiveQuery,
  responses: {
    200: {
      description: 'One archived message (version) per line',
      schema: archivedMessage,
      contentType: 'application/x-ndjson',
    },
    404: { description: 'The thread was never archived' },
  },
});
