/** The scheduled-message operations: routes, schemas and answers. The rules themselves live in src/schedules. */
import { z } from 'zod';
import { toHttpEtag } from '../http/etag';
import { defineOperation } from '../http/operation';
import { SCHEDULE_LIMITS } from '../schedules/limits';
import type { Schedule } from '../schedules/schedule';
import { SCHEDULE_ID_PATTERN } from '../schedules/scheduleIds';
import { displayName, isoDateTime, metadata, threadId, threadPath, utf8Bytes } from './common';

const TAGS = ['Schedules'];

export const scheduleId = z
  .string()
  .regex(SCHEDULE_ID_PATTERN, { message: 'must be a schedule id as returned when it was created (sch-…)' })
  .describe('Schedule id, as returned when it was created');

const content = z
  .string()
  .min(1)
  .refine((c) => utf8Bytes(c) <= SCHEDULE_LIMITS.contentBytes, {
    message: `must be at most ${SCHEDULE_LIMITS.contentBytes} bytes (ACS limit)`,
    params: { rule: `maxBytes:${SCHEDULE_LIMITS.contentBytes}` },
  });

const sendAt = z
  .string()
  .max(64)
  .describe(
    `One-off: RFC 3339 with an offset (\`2026-03-29T09:30:00+02:00\`), or a local time without one (\`2026-03-29T09:30:00\`) read in \`timeZone\`. At most ${SCHEDULE_LIMITS.maxAheadDays} days ahead; up to ${SCHEDULE_LIMITS.sendAtGraceMs / 1000} s in the past is sent at once.`,
  );
const cron = z
  .string()
  .max(256)
  .describe(
    'Recurring: 6-field NCRONTAB (`0 30 9 * * 1-5`, seconds first, as Functions timers) or standard 5-field cron (`30 9 * * 1-5`), read in `timeZone`. At most once a minute.',
  );
const timeZone = z.string().max(64).describe('IANA time zone name (`Europe/Paris`); default UTC');
const maxOccurrences = z.number().int().min(1).max(SCHEDULE_LIMITS.maxOccurrences);

export const createScheduleBody = z.strictObject({
  content,
  type: z.enum(['text', 'html']).default('text'),
  senderDisplayName: displayName.optional(),
  metadata: metadata.optional(),
  sendAt: sendAt.optional(),
  cron: cron.optional(),
  timeZone: timeZone.optional(),
  startAt: isoDateTime.optional().describe('Recurring: no run before this time'),
  endAt: isoDateTime.optional().describe('Recurring: no run after this time'),
  maxOccurrences: maxOccurrences.optional().describe('Recurring: complete after this many messages'),
});

export const updateScheduleBody = z
  .strictObject({
    content: content.optional(),
    type: z.enum(['text', 'html']).optional(),
    senderDisplayName: displayName.nullable().optional(),
    metadata: metadata.nullable().optional(),
    sendAt: sendAt.optional(),
    cron: cron.optional(),
    timeZone: timeZone.optional(),
    startAt: isoDateTime.nullable().optional(),
    endAt: isoDateTime.nullable().optional(),
    maxOccurrences: maxOccurrences.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'give at least one field to change',
    params: { rule: 'minProperties:1' },
  })
  .describe('Fields to change; null clears an optional one. sendAt or cron replaces the timing.');

const sentMessage = z.object({ occurrence: z.string(), messageId: z.string(), sentAt: z.string() });

export const scheduleView = z.object({
  scheduleId: z.string(),
  threadId,
  state: z.enum(['active', 'completed', 'cancelled', 'failed']),
  failure: z
    .object({
      code: z.enum(['threadNotFound', 'serviceUserNotMember', 'messageRejected', 'deliveryFailed']),
      message: z.string(),
      at: z.string(),
    })
    .optional()
    .describe('Why the schedule failed (state failed)'),
  content: z.string(),
  type: z.enum(['text', 'html']),
  senderDisplayName: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  sendAt: z.string().optional().describe('One-off: the instant it is sent (UTC)'),
  localSendAt: z.string().optional().describe('One-off given as a local time: that time, in timeZone'),
  cron: z.string().optional(),
  timeZone: z.string().optional(),
  startAt: z.string().optional(),
  endAt: z.string().optional(),
  maxOccurrences: z.number().int().optional(),
  nextRunAt: z.string().optional().describe('The pending occurrence (active schedules)'),
  lastRunAt: z.string().optional(),
  lastMessageId: z.string().optional(),
  occurrencesSent: z.number().int(),
  occurrencesSkipped: z.number().int().describe('Missed while the dispatcher was down, skipped after one catch-up'),
  messages: z.array(sentMessage).describe(`The last ${SCHEDULE_LIMITS.messagesKept} messages sent, oldest first`),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type ScheduleView = z.infer<typeof scheduleView>;

/** The API's view of a schedule. */
export function toScheduleView(s: Schedule): ScheduleView {
  const t = s.timing;
  const opt = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    scheduleId: s.scheduleId,
    threadId: s.threadId,
    state: s.state,
    ...opt('failure', s.failure),
    content: s.content,
    type: s.type,
    ...opt('senderDisplayName', s.senderDisplayName),
    ...opt('metadata', s.metadata),
    ...(t.kind === 'once'
      ? { sendAt: t.sendAt, ...opt('localSendAt', t.localSendAt), ...opt('timeZone', t.timeZone) }
      : {
          cron: t.cron,
          timeZone: t.timeZone,
          ...opt('startAt', t.startAt),
          ...opt('endAt', t.endAt),
          ...opt('maxOccurrences', t.maxOccurrences),
        }),
    ...opt('nextRunAt', s.nextRunAt),
    ...opt('lastRunAt', s.lastRunAt),
    ...opt('lastMessageId', s.lastMessageId),
    occurrencesSent: s.occurrencesSent,
    occurrencesSkipped: s.occurrencesSkipped,
    messages: s.messages,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

const etagHeader = { ETag: 'Version of the schedule, for If-Match' };
const schedulePath = z.strictObject({ scheduleId });

export const createSchedule = defineOperation({
  name: 'createSchedule',
  method: 'POST',
  route: 'threads/{threadId}/schedules',
  summary: 'Schedule a message: once (sendAt) or recurring (cron in a time zone)',
  description: `Exactly one of sendAt and cron. The thread must exist and the app's service user be a member. At most ${SCHEDULE_LIMITS.maxActivePerThread} active schedules per thread.`,
  tags: TAGS,
  authLevel: 'function',
  params: threadPath,
  body: createScheduleBody,
  responses: {
    201: { description: 'Scheduled', schema: scheduleView, headers: { ...etagHeader, Location: 'The schedule' } },
  },
});

export const listSchedules = defineOperation({
  name: 'listSchedules',
  method: 'GET',
  route: 'threads/{threadId}/schedules',
  summary: "A thread's schedules, in creation order, a page at a time",
  tags: TAGS,
  authLevel: 'function',
  params: threadPath,
  query: z.strictObject({
    state: z.enum(['active', 'completed', 'cancelled', 'failed']).optional(),
    pageSize: z.coerce.number().int().min(1).max(SCHEDULE_LIMITS.maxPageSize).optional(),
    continuationToken: z.string().max(4096).optional().describe('From the previous page'),
  }),
  responses: {
    200: {
      description: 'One page; continuationToken is absent on the last',
      schema: z.object({ schedules: z.array(scheduleView), continuationToken: z.string().optional() }),
    },
  },
});

export const getSchedule = defineOperation({
  name: 'getSchedule',
  method: 'GET',
  route: 'schedules/{scheduleId}',
  summary: 'A schedule: state, next run, last run, messages sent',
  tags: TAGS,
  authLevel: 'function',
  params: schedulePath,
  responses: {
    200: { description: 'The schedule', schema: scheduleView, headers: etagHeader },
    404: { description: 'No such schedule' },
  },
});

const ifMatch = (required: boolean) => ({
  name: 'If-Match',
  description: required
    ? 'The ETag of the schedule as read: the edit applies only if nobody changed it since (412 otherwise, 428 without)'
    : 'Optional ETag: cancel only if unchanged since read (412 otherwise)',
  required,
});

export const updateSchedule = defineOperation({
  name: 'updateSchedule',
  method: 'PATCH',
  route: 'schedules/{scheduleId}',
  summary: 'Edit the content or timing of an active schedule',
  tags: TAGS,
  authLevel: 'function',
  params: schedulePath,
  body: updateScheduleBody,
  headers: [ifMatch(true)],
  responses: {
    200: { description: 'Edited', schema: scheduleView, headers: etagHeader },
    404: { description: 'No such schedule' },
    409: { description: 'The schedule is no longer active' },
    412: { description: 'The schedule changed since it was read (stale If-Match)' },
    428: { description: 'If-Match is missing' },
  },
});

export const cancelSchedule = defineOperation({
  name: 'cancelSchedule',
  method: 'DELETE',
  route: 'schedules/{scheduleId}',
  summary: 'Cancel a schedule (it stays readable, state cancelled)',
  tags: TAGS,
  authLevel: 'function',
  params: schedulePath,
  headers: [ifMatch(false)],
  responses: {
    200: { description: 'Cancelled (or already was)', schema: scheduleView, headers: etagHeader },
    404: { description: 'No such schedule' },
    409: { description: 'Already completed or failed' },
    412: { description: 'The schedule changed since it was read (stale If-Match)' },
  },
});

/** A schedule as an HTTP answer: its view, with its ETag. */
export function scheduleAnswer(
  status: number,
  schedule: Schedule,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; jsonBody: ScheduleView } {
  return {
    status,
    headers: { etag: toHttpEtag(schedule.etag), 'cache-control': 'no-store', ...headers },
    jsonBody: toScheduleView(schedule),
  };
}
