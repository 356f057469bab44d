/** Schema pieces every part of the API shares: ids, metadata, times, problem answers. */
import { z } from 'zod';
import { ACS_LIMITS, ACS_USER_ID_PATTERN } from '../acs/chatPort';

export const acsUserId = z
  .string()
  .regex(ACS_USER_ID_PATTERN, { message: 'must be an ACS user id: 8:acs:<resource id>_<user id>' })
  .describe('ACS communication user raw id, `8:acs:<resource id>_<user id>`');

/** `19:…@thread.v2` (and the older `@thread.skype` / Teams `@thread.tacv2` forms). */
export const THREAD_ID_PATTERN = /^19:[A-Za-z0-9_\-.=+~!$&'()*,;]{1,240}@thread\.(?:v2|skype|tacv2)$/;

export const threadId = z
  .string()
  .regex(THREAD_ID_PATTERN, { message: 'must be an ACS chat thread id: 19:…@thread.v2' })
  .describe('ACS chat thread id, `19:…@thread.v2` (percent-encode it in the path)');

export const threadPath = z.strictObject({ threadId });

/** RFC 3339 with an offset (`Z` or `±hh:mm`), as every time in the API. */
export const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 time with an offset' });

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export const metadata = z
  .record(z.string().min(1).max(256), z.string().max(1024))
  .refine((m) => utf8Bytes(JSON.stringify(m)) <= ACS_LIMITS.metadataBytes, {
    message: `must be at most ${ACS_LIMITS.metadataBytes} bytes in all (ACS limit)`,
    params: { rule: `maxBytes:${ACS_LIMITS.metadataBytes}` },
  })
  .describe(`String keys and values, at most ${ACS_LIMITS.metadataBytes} bytes in all`);

export const displayName = z.string().min(1).max(256);

export const participantOutcome = z.object({
  id: z.string(),
  status: z.enum(['added', 'retrying', 'failed']),
  attempts: z.number().int().optional(),
  nextAttemptAt: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export type ParticipantOutcome = z.infer<typeof participantOutcome>;
