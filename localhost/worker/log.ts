import type { RpcLogLevel } from './coreTypes';

export type LogSink = (level: RpcLogLevel, message: string) => void;

const ORDER: Record<RpcLogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

/** Console logging with a timestamp and level; levels below `minimum` are dropped. */
export function consoleSink(minimum: RpcLogLevel = 'information'): LogSink {
  return (level, message) => {
    if (level === 'none' || ORDER[level] < ORDER[minimum]) return;
    const line = `[${new Date().toISOString()}] ${level === 'information' ? '' : `[${level}] `}${message}`;
    if (ORDER[level] >= ORDER.error) console.error(line);
    else if (level === 'warning') console.warn(line);
    else console.log(line);
  };
}

/** Renders an error for the log without leaking it to clients. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
