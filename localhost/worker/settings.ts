import fs from 'fs';
import path from 'path';

export interface QueueSettings {
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
  batchSize: number;
  /** A new batch is fetched once the messages in process get down to this many (runtime default: batchSize / 2). */
  newBatchThreshold: number;
  messageEncoding: 'base64' | 'none';
  maxPollingIntervalMs: number;
}

export interface HostSettings {
  routePrefix: string;
  queues: QueueSettings;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`Cannot read ${path.basename(file)}: ${(err as Error).message}`);
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Copies local.settings.json `Values` into `env` without overriding variables already set,
 * as Core Tools does. Returns the names that were applied.
 */
export function applyLocalSettings(appDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return [];
  const values = asRecord(asRecord(readJson(file)).Values);
  const applied: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined) continue;
    env[name] = typeof value === 'string' ? value : JSON.stringify(value);
    applied.push(name);
  }
  return applied;
}

/** `Host.LocalHttpPort` from local.settings.json, as Core Tools reads it; undefined when absent. */
export function readLocalHttpPort(appDir: string): number | undefined {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return undefined;
  const port = asRecord(asRecord(readJson(file)).Host).LocalHttpPort;
  if (port === undefined) return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('local.settings.json Host.LocalHttpPort must be an integer 0-65535');
  }
  return port;
}

/** Parses a .NET TimeSpan `[d.]hh:mm:ss[.fff]` into milliseconds. */
export function parseTimeSpan(value: string, field: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,3}))?$/.exec(value.trim());
  if (!match) throw new Error(`host.json ${field}: '${value}' is not a TimeSpan (hh:mm:ss)`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms = Number((fraction ?? '0').padEnd(3, '0'));
  return ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + ms;
}

function positiveInt(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`host.json ${field} must be a positive integer`);
  }
  return value;
}

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`host.json ${field} must be an integer of 0 or more`);
  }
  return value;
}

/** Reads the host.json settings the local host honours, with the runtime's defaults. */
export function readHostSettings(appDir: string): HostSettings {
  const file = path.join(appDir, 'host.json');
  const root = fs.existsSync(file) ? asRecord(readJson(file)) : {};
  const extensions = asRecord(root.extensions);
  const http = asRecord(extensions.http);
  const queues = asRecord(extensions.queues);
  const prefix = http.routePrefix === undefined ? 'api' : http.routePrefix;
  if (typeof prefix !== 'string') throw new Error('host.json extensions.http.routePrefix must be a string');
  const encoding = queues.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new Error(`host.json extensions.queues.messageEncoding must be 'base64' or 'none'`);
  }
  const batchSize = Math.min(32, positiveInt(queues.batchSize, 16, 'extensions.queues.batchSize'));
  return {
    routePrefix: prefix.replace(/^\/+|\/+$/g, ''),
    queues: {
      maxDequeueCount: positiveInt(queues.maxDequeueCount, 5, 'extensions.queues.maxDequeueCount'),
      batchSize,
      newBatchThreshold:
        queues.newBatchThreshold === undefined
          ? Math.floor(batchSize / 2)
          : nonNegativeInt(queues.newBatchThreshold, 'extensions.queues.newBatchThreshold'),
      visibilityTimeoutMs:
        typeof queues.visibilityTimeout === 'string'
          ? parseTimeSpan(queues.visibilityTimeout, 'extensions.queues.visibilityTimeout')
          : 0,
      maxPollingIntervalMs:
        typeof queues.maxPollingInterval === 'string'
          ? parseTimeSpan(queues.maxPollingInterval, 'extensions.queues.maxPollingInterval')
          : 2000,
      messageEncoding: encoding,
    },
  };
}

/** Resolves `%Name%` references against app settings; an unknown name is an error naming it. */
export function resolveSettingRefs(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_whole, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new Error(`app setting '${name}' is not set`);
    return resolved;
  });
}
