/**
 * The chat bot: runs one command posted in a thread and replies in the thread as the service user. Each command
 * has exactly one effect and one reply, however often its event or queue message is delivered: the command is
 * claimed by its message id, its side effects are keyed by it, and the reply carries `replyTo` so a retry finds
 * it instead of posting a second one.
 */
import { AcsFailure } from '../acs/acsErrors';
import type { ChatPort } from '../acs/chatPort';
import { validateNcrontab } from '../cron/ncrontab';
import { isValidTimeZone } from '../cron/timeZone';
import { DomainError } from '../domainErrors';
import type { IdempotencyStore } from '../idempotency/idempotencyStore';
import { sendOnce } from '../messages/sendOnce';
import { COMMANDS, helpText, parseCommand, type ParsedCommand } from './commands';
import { parseWhen } from './when';

/** Metadata on every bot reply: marks it as the bot's (no loops) and threads it to the command. */
export const BOT_METADATA_KEY = 'bot';
export const REPLY_TO_KEY = 'replyTo';

/** The reply to a command given up after failing on every delivery. */
export const GAVE_UP_REPLY =
  'Sorry, I could not carry out that command: it failed on every try (the error is in the app log). Post it again to retry.';

export interface CommandJob {
  threadId: string;
  messageId: string;
  senderId: string;
  body: string;
  type: 'text' | 'html';
  /** When the command was posted (bounds the search for an earlier reply). */
  postedAt: string;
}

export interface BotSchedule {
  scheduleId: string;
  state: string;
  content: string;
  nextRunAt?: string;
  cron?: string;
}

/**
 * What the bot needs from scheduled messages. `once` (the command's message id and time) makes a retried create
 * return the schedule the first attempt made.
 */
export interface BotSchedules {
  createOnce(
    threadId: string,
    input: { content: string; sendAt?: string; cron?: string; timeZone?: string },
    once: { key: string; at: number },
  ): Promise<BotSchedule>;
  list(threadId: string): Promise<BotSchedule[]>;
  cancel(threadId: string, scheduleId: string): Promise<BotSchedule>;
}

/** What the bot needs from the archive: a run now, and what it did. */
export interface BotArchive {
  archiveNow(threadId: string): Promise<{
    outcome: string;
    newMessages: number;
    changes: number;
    records: number;
    parts: number;
    error?: string;
  }>;
}

/** Per-thread bot settings (the time zone of `/timezone`). */
export interface ThreadSettings {
  timeZone(threadId: string): Promise<string | undefined>;
  setTimeZone(threadId: string, timeZone: string): Promise<void>;
}

export interface BotDeps {
  chat: ChatPort;
  schedules: BotSchedules;
  archive: BotArchive;
  settings: ThreadSettings;
  claims: IdempotencyStore;
  displayName: string;
  now?: () => Date;
  log?: (line: string) => void;
}

export class Bot {
  private readonly now: () => Date;

  constructor(private readonly deps: BotDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Runs the command in `job` once and replies. A user's mistake (DomainError) or ACS refusing for good becomes the
   * reply; anything else is thrown, for the queue to log and deliver again: transient ACS failures, storage errors
   * (never read as ACS's: a storage 403 is not the service user being forbidden in the thread), and bugs.
   */
  async run(job: CommandJob): Promise<void> {
    const claim = await this.claimCommand(job);
    if (claim.kind === 'replay') {
      // Done before; make sure its reply went out (a crash may have come between the two).
      await this.reply(job, String(claim.answer.body), true);
      return;
    }
    let text: string;
    try {
      text = await this.execute(job);
    } catch (error) {
      if (error instanceof DomainError) text = error.message;
      else if (error instanceof AcsFailure && !error.retriable) text = acsReason(error);
      else {
        await claim.release();
        throw error;
      }
    }
    try {
      await this.reply(job, text, claim.takenOver);
    } catch (error) {
      if (!(error instanceof AcsFailure) || error.retriable) {
        await claim.release();
        throw error;
      }
      // Not a member any more, or the thread is gone: nobody to answer.
      this.deps.log?.(`No reply to ${job.messageId} in ${job.threadId}: ${error.message}`);
    }
    await claim.complete({ status: 200, body: text });
  }

  /**
   * A command whose queue message failed every delivery (it is in the poison queue): unless an attempt carried it
   * out after all, the user is told, once, that it could not be. The failures themselves are in the log of the
   * attempts. An attempt still holding the command (409) is left to finish.
   */
  async abandon(job: CommandJob): Promise<'replied' | 'done before' | 'in progress'> {
    let claim;
    try {
      claim = await this.claimCommand(job);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') return 'in progress';
      throw error;
    }
    if (claim.kind === 'replay') {
      await this.reply(job, String(claim.answer.body), true);
      return 'done before';
    }
    const text = GAVE_UP_REPLY;
    await this.reply(job, text, true);
    await claim.complete({ status: 200, body: text });
    return 'replied';
  }

  /** The command's claim, by its message id: one effect and one reply however often it is delivered. */
  private claimCommand(job: CommandJob): ReturnType<IdempotencyStore['claim']> {
    return this.deps.claims.claim('bot', `${job.threadId}\n${job.messageId}`, 'command');
  }

  private async reply(job: CommandJob, text: string, mayHaveSent: boolean): Promise<void> {
    await sendOnce(
      this.deps.chat,
      job.threadId,
      {
        content: text,
        type: 'text',
        senderDisplayName: this.deps.displayName,
        metadata: { [BOT_METADATA_KEY]: 'true' },
      },
      { key: REPLY_TO_KEY, value: job.messageId },
      { mayHaveSent, since: new Date(Date.parse(job.postedAt) - 1000) },
    );
  }

  /** The reply to the command; DomainErrors carry the reason for a malformed argument. */
  private async execute(job: CommandJob): Promise<string> {
    const parsed = parseCommand(job.body, job.type);
    if (parsed.kind === 'none') return 'That is not a command. Try /help.';
    if (parsed.kind === 'unknown') return `Unknown command /${parsed.word}. Try /help.`;
    return this.runCommand(job, parsed.command);
  }

  private async runCommand(job: CommandJob, command: ParsedCommand): Promise<string> {
    const { threadId } = job;
    const key = { key: `bot:${threadId}:${job.messageId}`, at: Date.parse(job.postedAt) || 0 };
    switch (command.name) {
      case 'help':
        return helpText();
      case 'schedule': {
        const timeZone = (await this.deps.settings.timeZone(threadId)) ?? 'UTC';
        const when = parseWhen(command.args, timeZone, this.now());
        if (!when.ok) return `Could not schedule: ${when.error}. Usage: ${COMMANDS.schedule.usage}`;
        if (!when.rest) return `Could not schedule: say what to post after the time. Usage: ${COMMANDS.schedule.usage}`;
        const s = await this.attempt('schedule', () =>
          this.deps.schedules.createOnce(
            threadId,
            { content: when.rest, sendAt: when.sendAt, ...(when.timeZone ? { timeZone: when.timeZone } : {}) },
            key,
          ),
        );
        return typeof s === 'string' ? s : `Scheduled ${s.scheduleId} for ${s.nextRunAt ?? when.sendAt}.`;
      }
      case 'every': {
        const timeZone = (await this.deps.settings.timeZone(threadId)) ?? 'UTC';
        const words = command.args.split(/\s+/).filter(Boolean);
        if (words.length < 6)
          return `Could not schedule: give a cron expression and the text. Usage: ${COMMANDS.every.usage}`;
        // Six fields (NCRONTAB, with seconds) when they read as such, else five (standard cron): the rest is text.
        const fields = words.length > 6 && validateNcrontab(words.slice(0, 6).join(' ')) === null ? 6 : 5;
        const cron = words.slice(0, fields).join(' ');
        const text = words.slice(fields).join(' ');
        const s = await this.attempt('schedule', () =>
          this.deps.schedules.createOnce(threadId, { content: text, cron, timeZone }, key),
        );
        return typeof s === 'string'
          ? s
          : `Scheduled ${s.scheduleId} (${cron}, ${timeZone}); first at ${s.nextRunAt ?? '?'}.`;
      }
      case 'schedules': {
        const list = await this.deps.schedules.list(threadId);
        if (list.length === 0) return 'No schedules in this thread.';
        return [
          'Schedules:',
          ...list.map(
            (s) =>
              `${s.scheduleId} ${s.state}${s.cron ? ` ${s.cron}` : ''}${s.nextRunAt ? ` next ${s.nextRunAt}` : ''}: ${preview(s.content)}`,
          ),
        ].join('\n');
      }
      case 'cancel': {
        const id = command.args.split(/\s+/)[0] ?? '';
        if (!id) return `Could not cancel: say which schedule. Usage: ${COMMANDS.cancel.usage}`;
        const s = await this.attempt('cancel', () => this.deps.schedules.cancel(threadId, id));
        return typeof s === 'string' ? s : `Cancelled ${s.scheduleId}.`;
      }
      case 'archive': {
        const run = await this.deps.archive.archiveNow(threadId);
        if (run.outcome === 'skipped') return `An archive run of this thread is already going on (${run.error ?? ''}).`;
        return `Archived: ${run.newMessages} new messages and ${run.changes} changes (${run.records} records in ${run.parts} new part(s)).`;
      }
      case 'topic': {
        if (!command.args) return `Could not change the topic: give the new topic. Usage: ${COMMANDS.topic.usage}`;
        if (command.args.length > 256) return 'Could not change the topic: at most 256 characters.';
        await this.deps.chat.updateTopic(threadId, command.args);
        return `Topic changed to "${command.args}".`;
      }
      case 'timezone': {
        const name = command.args.split(/\s+/)[0] ?? '';
        if (!name)
          return `Time zone: ${(await this.deps.settings.timeZone(threadId)) ?? 'UTC'}. Usage: ${COMMANDS.timezone.usage}`;
        if (!isValidTimeZone(name))
          return `Could not set the time zone: "${name}" is not an IANA time zone name, e.g. Europe/Paris.`;
        await this.deps.settings.setTimeZone(threadId, name);
        return `Time zone set to ${name}.`;
      }
    }
  }

  /** Runs a service call; a DomainError (the user's mistake) becomes the reply instead of a failure. */
  private async attempt<T>(verb: string, fn: () => Promise<T>): Promise<T | string> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DomainError) return `Could not ${verb}: ${error.message}`;
      throw error;
    }
  }
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function acsReason(failure: AcsFailure): string {
  return failure.kind === 'forbidden'
    ? 'I may not do that in this thread.'
    : failure.kind === 'notFound'
      ? 'That no longer exists.'
      : `ACS refused: ${failure.message}`;
}
