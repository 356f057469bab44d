/**
 * Chat commands: text messages starting with `/`, parsed forgivingly (any case, extra spaces, html markup
 * stripped) into a command and its argument text, or a precise reason it cannot be run.
 */

export const COMMANDS = {
  help: { usage: '/help', does: 'this list' },
  schedule: {
    usage: '/schedule <when> <text>',
    does: 'post <text> later; <when> is `in 10m`, `in 2h`, `at 09:30` or an RFC 3339 time',
  },
  every: {
    usage: '/every <cron> <text>',
    does: 'post <text> on a cron schedule (5 or 6 fields) in the thread time zone',
  },
  schedules: { usage: '/schedules', does: "this thread's schedules with their ids" },
  cancel: { usage: '/cancel <scheduleId>', does: 'cancel a schedule' },
  archive: { usage: '/archive', does: 'archive this thread now and reply with the counts' },
  topic: { usage: '/topic <text>', does: "change the thread's topic" },
  timezone: { usage: '/timezone <IANA name>', does: 'set the time zone for `at` and cron times (default UTC)' },
} as const;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedCommand {
  name: CommandName;
  /** Everything after the command word, trimmed, inner whitespace kept. */
  args: string;
}

export type ParseResult =
  | { kind: 'command'; command: ParsedCommand }
  | { kind: 'unknown'; word: string }
  /** Not a command at all: ordinary chat. */
  | { kind: 'none' };

export function parseCommand(body: string, type: 'text' | 'html' = 'text'): ParseResult {
  const text = (type === 'html' ? htmlToText(body) : body).trim();
  const match = /^\/([A-Za-z][\w-]*)(?:\s+([\s\S]*))?$/.exec(text);
  if (!match) return { kind: 'none' };
  const word = (match[1] as string).toLowerCase();
  if (!(word in COMMANDS)) return { kind: 'unknown', word };
  return { kind: 'command', command: { name: word as CommandName, args: (match[2] ?? '').trim() } };
}

/** Markup out, entities decoded, block breaks kept as spaces: enough to read a command out of an html message. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li)>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function helpText(): string {
  return ['Commands:', ...Object.values(COMMANDS).map((c) => `${c.usage}: ${c.does}`)].join('\n');
}
