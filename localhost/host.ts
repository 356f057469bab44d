import fs from 'fs';
import type { AddressInfo } from 'net';
import path from 'path';
import { adminEndpoint } from './triggers/admin/adminEndpoint';
import { eventGridWebhook } from './triggers/eventGrid/eventGridWebhook';
import { compileHttpRoutes } from './triggers/http/functionRoutes';
import { createHttpServer } from './triggers/http/httpServer';
import { compileQueues, QueueRunner } from './triggers/queue/queueTrigger';
import { localHostId, ScheduleMonitor } from './triggers/timer/scheduleMonitor';
import { compileTimers, TimerRunner, type TimerInfo } from './triggers/timer/timerTrigger';
import type { RegisteredFunction } from './worker/coreApi';
import { invoke } from './worker/invoke';
import { loadApp, startApp, terminateApp, triggerOf, triggerTypeOf } from './worker/loadApp';
import { consoleSink, describeError, type LogSink } from './worker/log';
import { readHostSettings } from './worker/settings';

export interface HostOptions {
  appDir: string;
  port?: number;
  host?: string;
  /** When set, `function`/`admin` routes and the admin/webhook endpoints require this key. */
  functionKey?: string;
  sink?: LogSink;
}

export interface FunctionSummary {
  name: string;
  trigger: string;
  /** Human-readable detail, as printed at start (route URL, schedule, queue). */
  detail: string;
}

export interface RunningHost {
  url: string;
  port: number;
  functions: FunctionSummary[];
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use; stop whatever listens there or pass another port`);
    this.name = 'PortInUseError';
  }
}

function summarize(fn: RegisteredFunction, baseUrl: string, routePrefix: string): FunctionSummary {
  const binding = triggerOf(fn).binding;
  const name = fn.metadata.name;
  const trigger = String(binding.type);
  switch (trigger.toLowerCase()) {
    case 'httptrigger': {
      const methods = Array.isArray(binding.methods) ? binding.methods.join(',') : 'GET,POST';
      const route = typeof binding.route === 'string' && binding.route !== '' ? binding.route : name;
      const path = [routePrefix, route.replace(/^\/+/, '')].filter((p) => p !== '').join('/');
      return { name, trigger, detail: `[${methods}] ${baseUrl}/${path}` };
    }
    case 'timertrigger':
      return { name, trigger, detail: `timerTrigger (${String(binding.schedule)})` };
    case 'queuetrigger':
      return { name, trigger, detail: `queueTrigger (${String(binding.queueName)})` };
    case 'eventgridtrigger':
      return { name, trigger, detail: `eventGridTrigger (${baseUrl}/runtime/webhooks/eventgrid?functionName=${name})` };
    default:
      return { name, trigger, detail: `${trigger} (runs only through POST ${baseUrl}/admin/functions/${name})` };
  }
}

function createMonitor(timers: TimerInfo[], appDir: string, sink: LogSink): ScheduleMonitor | undefined {
  if (!timers.some((t) => t.useMonitor)) return undefined;
  const connection = process.env.AzureWebJobsStorage;
  if (!connection) {
    sink(
      'warning',
      'AzureWebJobsStorage is not set: timer schedule status is not kept, so runs missed while stopped are not caught up',
    );
    return undefined;
  }
  let name = path.basename(appDir);
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof pkg.name === 'string') name = pkg.name;
  } catch {
    // the folder name will do
  }
  try {
    return new ScheduleMonitor(connection, localHostId(name));
  } catch (err) {
    sink('warning', `Timer schedule status is not kept: ${(err as Error).message}`);
    return undefined;
  }
}

function listen(server: ReturnType<typeof createHttpServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Loads the app in `appDir`, validates its functions, serves HTTP and runs timers and queue triggers. */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const sink = options.sink ?? consoleSink();
  const host = options.host ?? '127.0.0.1';
  const app = await loadApp(options.appDir, sink);
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
  };
  let timers: TimerRunner[] = [];
  let queues: QueueRunner[] = [];
  let server: ReturnType<typeof createHttpServer> | undefined;
  try {
    if (app.registry.functions.size === 0) sink('warning', 'No functions were registered by the app');
    const settings = readHostSettings(app.appDir);
    const byName = (name: string): RegisteredFunction => app.registry.functions.get(name) as RegisteredFunction;
    const timerInfos = compileTimers(app);
    const monitor = createMonitor(timerInfos, app.appDir, sink);
    timers = timerInfos.map(
      (info) => new TimerRunner(app, byName(info.name), info, sink, info.useMonitor ? monitor : undefined),
    );
    queues = compileQueues(app).map((info) => {
      try {
        return new QueueRunner(app, byName(info.name), info, settings.queues, sink);
      } catch (err) {
        throw new Error(`Function "${info.name}": ${(err as Error).message}`);
      }
    });
    const runNonHttp = (name: string, input: string): boolean | 'http' => {
      const fn = app.registry.functions.get(name);
      if (!fn) return false;
      if (triggerTypeOf(fn) === 'httptrigger') return 'http';
      const timer = timers.find((t) => t.info.name === name);
      const queue = queues.find((q) => q.info.name === name);
      if (timer) timer.runNow();
      else if (queue) track(queue.runNow(input));
      else track(invoke(app, fn, { data: { string: input } }, sink));
      return true;
    };
    let markReady: () => void = () => undefined;
    let markFailed: (err: unknown) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => undefined);
    const http = compileHttpRoutes(app);
    for (const { name, reason } of http.inError) sink('error', `The '${name}' function is in error: ${reason}`);
    server = createHttpServer({
      app,
      sink,
      routePrefix: settings.routePrefix,
      routes: http.routes,
      functionKey: options.functionKey,
      // The one table of host-owned URL areas: the HTTP server knows them only through it.
      endpoints: [adminEndpoint(runNonHttp), eventGridWebhook(app, sink)],
      track,
      ready,
    });
    const port = await listen(server, options.port ?? 7071, host);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // Listening first surfaces a taken port before any app hook runs; requests wait for the hooks.
    await startApp(app).then(markReady, (err: unknown) => {
      markFailed(err);
      throw err;
    });
    const functions = [...app.registry.functions.values()]
      .filter((fn) => !http.inError.some((e) => e.name === fn.metadata.name))
      .map((fn) => summarize(fn, url, settings.routePrefix));
    for (const timer of timers) timer.start();
    for (const queue of queues) queue.start();
    let closing: Promise<void> | undefined;
    const runningServer = server;
    return {
      url,
      port,
      functions,
      close: () =>
        (closing ??= (async () => {
          const serverClosed = new Promise<void>((resolve) => runningServer.close(() => resolve()));
          runningServer.closeIdleConnections();
          await Promise.all([...timers.map((t) => t.stop()), ...queues.map((q) => q.stop())]);
          await Promise.allSettled([...pending]);
          runningServer.closeAllConnections();
          await serverClosed;
          await terminateApp(app, sink);
        })()),
    };
  } catch (err) {
    await Promise.all([...timers.map((t) => t.stop()), ...queues.map((q) => q.stop())]).catch((e: unknown) =>
      sink('error', describeError(e)),
    );
    if (server?.listening) await new Promise<void>((resolve) => server?.close(() => resolve()));
    app.uninstall();
    throw err;
  }
}
