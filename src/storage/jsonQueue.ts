/**
 * A queue of JSON messages for the app's queue triggers. Messages are base64-encoded because the Functions queue
 * trigger decodes base64 by default (host.json `messageEncoding`), and the queue is created on first use.
 */
import type { QueueClient } from '@azure/storage-queue';

export interface JsonQueue<T> {
  /** Sends `message`, visible to the trigger after `delayMs` (at most 7 days). */
  send(message: T, delayMs?: number): Promise<void>;
}

export function jsonQueue<T>(client: QueueClient): JsonQueue<T> {
  let ready: Promise<unknown> | undefined;
  return {
    async send(message, delayMs = 0) {
      ready ??= client.createIfNotExists().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      const visibilityTimeout = Math.min(7 * 24 * 3600, Math.max(0, Math.ceil(delayMs / 1000)));
      await client.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'), {
        ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
      });
    },
  };
}
