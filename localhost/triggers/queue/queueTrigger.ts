import type { QueueClient, DequeuedMessageItem } from '@azure/storage-queue';
import type { RegisteredFunction } from '../../worker/coreApi';
import type { RpcTypedData } from '../../worker/coreTypes';
import { invoke } from '../../worker/invoke';
import { functionsWithTrigger, triggerOf, type LoadedApp } from '../../worker/loadApp';
import { describeError, type LogSink } from '../../worker/log';
import { resolveSettingRefs, type QueueSettings } from '../../worker/settings';
import { queueServiceFromSetting } from './queueConnection';

const MIN_POLL_MS = 100;
// While a message is being processed it is kept invisible by a lease renewed every LEASE_RENEW_MS, as the runtime
// renews its own: a host that dies mid-message frees it within the lease, not the runtime's 10 minutes.
const PROCESSING_VISIBILITY_S = 30;
const LEASE_RENEW_MS = 10_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface QueueInfo {
  name: string;
  queueName: string;
  connection: string;
}

/** Resolves each queue trigger's queue name and connection; throws naming the function. */
export function compileQueues(app: LoadedApp): QueueInfo[] {
  const queues: QueueInfo[] = [];
  for (const fn of functionsWithTrigger(app, 'queuetrigger')) {
    const binding = triggerOf(fn).binding;
    const name = fn.metadata.name;
    try {
      const queueName = resolveSettingRefs(String(binding.queueName ?? '')).toLowerCase();
      if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(queueName)) {
        throw new Error(`queue name '${queueName}' must be 3-63 lowercase letters, digits or single hyphens`);
      }
      const connection =
        typeof binding.connection === 'string' && binding.connection ? binding.connection : 'AzureWebJobsStorage';
      queues.push({ name, queueName, connection });
    } catch (err) {
      throw new Error(`Function "${name}": ${(err as Error).message}`);
    }
  }
  return queues;
}

function metadata(message: DequeuedMessageItem): Record<string, RpcTypedData> {
  return {
    Id: { string: message.messageId },
    DequeueCount: { json: String(message.dequeueCount) },
    InsertionTime: { json: JSON.stringify(message.insertedOn.toISOString()) },
    ExpirationTime: { json: JSON.stringify(message.expiresOn.toISOString()) },
    NextVisibleTime: { json: JSON.stringify(message.nextVisibleOn.toISOString()) },
    PopReceipt: { string: message.popReceipt },
  };
}

/** Polls one queue and runs its function per message, moving repeat failures to `<queue>-poison`. */
export class QueueRunner {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  // Ends a poll in flight at stop: with storage gone (npm start's Azurite stopping first), its retries would hold
  // shutdown for minutes.
  private readonly polling = new AbortController();
  private readonly queue: QueueClient;
  private readonly poison: QueueClient;
  /** Messages being processed; a new batch is fetched once they get down to newBatchThreshold, as the runtime does. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly app: LoadedApp,
    private readonly fn: RegisteredFunction,
    readonly info: QueueInfo,
    private readonly settings: QueueSettings,
    private readonly sink: LogSink,
  ) {
    const service = queueServiceFromSetting(info.connection);
    this.queue = service.getQueueClient(info.queueName);
    this.poison = service.getQueueClient(`${info.queueName}-poison`);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Processes one message now (admin invoke), bypassing the queue. */
  runNow(input: string): Promise<unknown> {
    return invoke(this.app, this.fn, { data: { string: input } }, this.sink);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.polling.abort();
    this.wake?.();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    let delay = MIN_POLL_MS;
    let failing = false;
    let created = false;
    while (!this.stopped) {
      try {
        if (!created) {
          await this.queue.createIfNotExists({ abortSignal: this.polling.signal });
          created = true;
        }
        while (this.inFlight.size > this.settings.newBatchThreshold && !this.stopped) {
          await Promise.race(this.inFlight);
        }
        if (this.stopped) break;
        const { receivedMessageItems: messages } = await this.queue.receiveMessages({
          abortSignal: this.polling.signal,
          numberOfMessages: this.settings.batchSize,
          visibilityTimeout: PROCESSING_VISIBILITY_S,
        });
        if (failing) this.sink('information', `Queue '${this.info.queueName}' is reachable again`);
        failing = false;
        if (messages.length > 0) {
          for (const m of messages) {
            const processing = this.process(m)
              .catch((err: unknown) =>
                this.sink('error', `Queue '${this.info.queueName}' message handling failed: ${describeError(err)}`),
              )
              .finally(() => this.inFlight.delete(processing));
            this.inFlight.add(processing);
          }
          delay = MIN_POLL_MS;
          continue;
        }
      } catch (err) {
        if (this.stopped) break; // the poll was aborted by stop()
        if (!failing) {
          this.sink(
            'warning',
            `Queue '${this.info.queueName}' for '${this.info.name}' cannot be read: ${(err as Error).message}`,
          );
        }
        failing = true;
      }
      if (this.stopped) break;
      await this.sleep(delay);
      // Back off while idle: 100 ms doubling up to maxPollingInterval.
      delay = Math.min(delay * 2, this.settings.maxPollingIntervalMs);
    }
  }

  private async process(received: DequeuedMessageItem): Promise<void> {
    let message = received;
    let text = message.messageText;
    let ok = false;
    if (this.settings.messageEncoding === 'base64') {
      if (!BASE64.test(text) || text.length % 4 !== 0) {
        this.sink(
          'error',
          `Message ${message.messageId} in '${this.info.queueName}' is not valid base64; moving it to the poison queue`,
        );
        await this.moveToPoison(message);
        return;
      }
      text = Buffer.from(text, 'base64').toString('utf8');
    }
    const lease = { popReceipt: message.popReceipt, renewing: Promise.resolve() };
    const renew = setInterval(() => {
      lease.renewing = this.queue
        .updateMessage(message.messageId, lease.popReceipt, undefined, PROCESSING_VISIBILITY_S)
        .then((r) => {
          if (r.popReceipt) lease.popReceipt = r.popReceipt;
        })
        .catch((err: unknown) =>
          this.sink('warning', `Queue '${this.info.queueName}' lease renewal failed: ${describeError(err)}`),
        );
    }, LEASE_RENEW_MS);
    let result: Awaited<ReturnType<typeof invoke>>;
    try {
      result = await invoke(
        this.app,
        this.fn,
        { data: { string: text }, triggerMetadata: metadata(message) },
        this.sink,
      );
    } finally {
      clearInterval(renew);
      await lease.renewing; // a renewal in flight changes the pop receipt the delete below needs
    }
    message = { ...message, popReceipt: lease.popReceipt };
    ok = result.ok;
    try {
      if (ok) {
        await this.queue.deleteMessage(message.messageId, message.popReceipt);
      } else if (message.dequeueCount >= this.settings.maxDequeueCount) {
        this.sink(
          'warning',
          `Message ${message.messageId} failed ${message.dequeueCount} times; moving it to '${this.info.queueName}-poison'`,
        );
        await this.moveToPoison(message);
      } else {
        await this.queue.updateMessage(
          message.messageId,
          message.popReceipt,
          message.messageText,
          Math.round(this.settings.visibilityTimeoutMs / 1000),
        );
      }
    } catch (err) {
      this.sink('error', `Queue '${this.info.queueName}' bookkeeping failed: ${describeError(err)}`);
    }
  }

  private async moveToPoison(message: DequeuedMessageItem): Promise<void> {
    await this.poison.createIfNotExists();
    await this.poison.sendMessage(message.messageText);
    await this.queue.deleteMessage(message.messageId, message.popReceipt);
  }
}
