import type { RawResponse } from './http';

/**
 * Asserts a chat error in the real service's shape (reference §8):
 * `{"CommunicationError":{"Code":"Forbidden","Message":"…","Details":[]}}`.
 */
export function expectChatError(res: RawResponse, status: number, code: string, messagePattern?: RegExp): void {
  const context = `${res.status} ${res.text}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  const body = res.json as { CommunicationError?: { Code?: unknown; Message?: unknown } } | undefined;
  expect(body?.CommunicationError?.Code).toBe(code);
  if (messagePattern) expect(String(body?.CommunicationError?.Message)).toMatch(messagePattern);
}

/** Asserts an identity error in the documented shape `{"error":{"code","message"}}` (reference §4, §8). */
export function expectIdentityError(res: RawResponse, status: number, messagePattern?: RegExp): void {
  const context = `${res.status} ${res.text}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  const body = res.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  expect(typeof body?.error?.code).toBe('string');
  expect(typeof body?.error?.message).toBe('string');
  if (messagePattern) expect(String(body?.error?.message)).toMatch(messagePattern);
}
