/** The threads, participants, messages and users operations: their routes, schemas and answers. */
import { z } from 'zod';
import { ACS_LIMITS } from '../acs/chatPort';
import { defineOperation } from '../http/operation';
import {
  acsUserId,
  displayName,
  isoDateTime,
  metadata,
  participantOutcome,
  threadId,
  threadPath,
  utf8Bytes,
} from './common';

const TAGS = { threads: ['Threads'], participants: ['Participants'], messages: ['Messages'], users: ['Users'] };

export const MAX_TOPIC_LENGTH = 256;
/** Far above any thread's room; the real bound (room left in the thread) is checked after deduplication. */
const MAX_PARTICIPANTS_PER_REQUEST = 1000;

export const participantInput = z.strictObject({
  id: acsUserId,
  displayName: displayName.optional(),
  shareHistoryTime: isoDateTime.optional().describe('From when the participant sees history; default: all of it'),
});

export const createThreadBody = z.strictObject({
  topic: z.string().trim().min(1).max(MAX_TOPIC_LENGTH),
  participants: z.array(participantInput).max(MAX_PARTICIPANTS_PER_REQUEST).default([]),
  metadata: metadata.optional(),
});

export const addParticipantsBody = z.strictObject({
  participants: z.array(participantInput).min(1).max(MAX_PARTICIPANTS_PER_REQUEST),
});

export const sendMessageBody = z.strictObject({
  content: z
    .string()
    .min(1)
    .refine((c) => utf8Bytes(c) <= ACS_LIMITS.messageContentBytes, {
      message: `must be at most ${ACS_LIMITS.messageContentBytes} bytes (ACS limit)`,
      params: { rule: `maxBytes:${ACS_LIMITS.messageContentBytes}` },
    }),
  type: z.enum(['text', 'html']).default('text'),
  senderDisplayName: displayName.optional(),
  metadata: metadata.optional(),
});

export const createUserBody = z
  .strictObject({
    expiresInMinutes: z
      .number()
      .int()
      .min(ACS_LIMITS.tokenMinutes.min)
      .max(ACS_LIMITS.tokenMinutes.max)
      .optional()
      .describe('Token lifetime, 60 to 1440 minutes (default 1440)'),
  })
  .optional();

const idempotencyHeader = {
  name: 'Idempotency-Key',
  description:
    'Makes the request safe to retry: the same key and body return the first answer (200; 202 stays 202); another body with the key is 422; a repeat while the first runs is 409.',
};

const bulkAnswer = z.object({
  threadId,
  jobId: z.string().optional().describe('Present when some participants are still being retried'),
  participants: z.array(participantOutcome),
  duplicates: z.array(z.string()).optional(),
});

export const createThread = defineOperation({
  name: 'createThread',
  method: 'POST',
  route: 'threads',
  summary: 'Create a thread with its participants (the service user is always a member)',
  description: `Up to ${ACS_LIMITS.participantsPerThread - 1} distinct participants besides the service user; the first ${ACS_LIMITS.participantsPerCall - 1} go into the create call, the rest into follow-up adds.`,
  tags: TAGS.threads,
  authLevel: 'function',
  body: createThreadBody,
  headers: [idempotencyHeader],
  responses: {
    200: { description: 'Replay of an earlier request with the same Idempotency-Key', schema: bulkAnswer },
    201: { description: 'Created; every participant added or failed for good', schema: bulkAnswer },
    202: { description: 'Created; some participants are still being retried (see jobId)', schema: bulkAnswer },
    409: { description: 'A request with this Idempotency-Key is still in flight' },
    422: { description: 'This Idempotency-Key was used with another body' },
  },
});

export const getThread = defineOperation({
  name: 'getThread',
  method: 'GET',
  route: 'threads/{threadId}',
  summary: 'Thread properties and participant count',
  tags: TAGS.threads,
  authLevel: 'function',
  params: threadPath,
  responses: {
    200: {
      description: 'The thread',
      schema: z.object({
        threadId,
        topic: z.string(),
        createdOn: z.string(),
        createdBy: z.string().optional(),
        metadata: z.record(z.string(), z.string()).optional(),
        participantCount: z.number().int(),
      }),
    },
    403: { description: 'The service user is not a member' },
    404: { description: 'No such thread' },
  },
});

export const deleteThread = defineOperation({
  name: 'deleteThread',
  method: 'DELETE',
  route: 'threads/{threadId}',
  summary: 'Delete a thread',
  tags: TAGS.threads,
  authLevel: 'function',
  params: threadPath,
  responses: { 204: { description: 'Deleted' }, 403: { description: 'The service user may not delete it' } },
});

export const addParticipants = defineOperation({
  name: 'addParticipants',
  method: 'POST',
  route: 'threads/{threadId}/participants',
  summary: 'Add participants in bulk; unfinished ones continue in the background',
  tags: TAGS.participants,
  authLevel: 'function',
  params: threadPath,
  body: addParticipantsBody,
  responses: {
    201: { description: 'Every participant added or failed for good', schema: bulkAnswer },
    202: { description: 'Some participants are still being retried (see jobId)', schema: bulkAnswer },
    404: { description: 'No such thread' },
  },
});

export const getParticipantJob = defineOperation({
  name: 'getParticipantJob',
  method: 'GET',
  route: 'threads/{threadId}/participants/jobs/{jobId}',
  summary: 'State of each participant of a bulk add still being retried',
  tags: TAGS.participants,
  authLevel: 'function',
  params: z.strictObject({ threadId, jobId: z.uuid() }),
  responses: {
    200: {
      description: 'The job',
      schema: z.object({
        jobId: z.string(),
        threadId,
        state: z.enum(['running', 'completed']),
        createdAt: z.string(),
        updatedAt: z.string(),
        participants: z.array(participantOutcome),
      }),
    },
    404: { description: 'No such job for this thread' },
  },
});

export const removeParticipant = defineOperation({
  name: 'removeParticipant',
  method: 'DELETE',
  route: 'threads/{threadId}/participants/{userId}',
  summary: 'Remove one participant',
  tags: TAGS.participants,
  authLevel: 'function',
  params: z.strictObject({ threadId, userId: acsUserId }),
  responses: { 204: { description: 'Removed (or was not a member)' }, 404: { description: 'No such thread' } },
});

export const sendMessage = defineOperation({
  name: 'sendMessage',
  method: 'POST',
  route: 'threads/{threadId}/messages',
  summary: 'Send a message now as the service user',
  tags: TAGS.messages,
  authLevel: 'function',
  params: threadPath,
  body: sendMessageBody,
  headers: [idempotencyHeader],
  responses: {
    200: {
      description: 'Replay of an earlier request with the same Idempotency-Key',
      schema: z.object({ messageId: z.string() }),
    },
    201: { description: 'Sent', schema: z.object({ messageId: z.string() }) },
    403: { description: 'The service user is not a member' },
    404: { description: 'No such thread' },
    409: { description: 'A request with this Idempotency-Key is still in flight' },
    422: { description: 'This Idempotency-Key was used with another body' },
  },
});

export const createUser = defineOperation({
  name: 'createUser',
  method: 'POST',
  route: 'users',
  summary: 'Create an ACS user and a chat token for a client app',
  tags: TAGS.users,
  authLevel: 'function',
  body: createUserBody,
  responses: {
    201: {
      description: 'The user and its token (the only place the token appears)',
      schema: z.object({ userId: z.string(), token: z.string(), expiresOn: z.string() }),
    },
  },
});
