import fs from 'fs';
import path from 'path';
import { createCoreApi, installCoreApi, type AppRegistry, type RegisteredFunction } from './coreApi';
import type { RpcBindingInfo } from './coreTypes';
import type { LogSink } from './log';
import { resolveMainGlob } from './mainGlob';
import { applyLocalSettings } from './settings';

export interface LoadedApp {
  appDir: string;
  registry: AppRegistry;
  /** App-level hook data shared by every hook, as the worker does. */
  appHookData: Record<string, unknown>;
  files: string[];
  /** What the app's programming model answered to the capabilities request (e.g. `HttpUri`). */
  capabilities: Record<string, string>;
  uninstall(): void;
}

let loadedOnce = false;

function readMain(appDir: string): string {
  const file = path.join(appDir, 'package.json');
  if (!fs.existsSync(file)) throw new Error(`No package.json in ${appDir}`);
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { main?: unknown };
  if (typeof pkg.main !== 'string' || pkg.main === '') {
    throw new Error('package.json "main" must name the app entry files (e.g. "dist/src/functions/*.js")');
  }
  return pkg.main;
}

/** The trigger binding of a registered function (exactly one binding whose type ends in "Trigger"). */
export function triggerOf(fn: RegisteredFunction): { name: string; binding: RpcBindingInfo } {
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction !== 'out' && typeof binding.type === 'string' && /trigger$/i.test(binding.type)) {
      return { name, binding };
    }
  }
  throw new Error(`Function "${fn.metadata.name}" has no trigger binding`);
}

/** A function's trigger type, lower-cased (`httptrigger`, `timertrigger`, `queuetrigger`, `eventgridtrigger`, ...). */
export function triggerTypeOf(fn: RegisteredFunction): string {
  return String(triggerOf(fn).binding.type).toLowerCase();
}

/** The app's functions whose trigger has the given (lower-case) type, in registration order. */
export function functionsWithTrigger(app: LoadedApp, type: string): RegisteredFunction[] {
  return [...app.registry.functions.values()].filter((fn) => triggerTypeOf(fn) === type);
}

/**
 * Loads an app the way the Node worker does: settings into the environment, the `@azure/functions-core`
 * module in place, every file matched by package.json `main` required in order, then capabilities
 * requested (which locks `app.setup`). Call startApp() to run the appStart hooks.
 */
export async function loadApp(appDir: string, sink: LogSink): Promise<LoadedApp> {
  // Node caches the app's modules and @azure/functions caches the core API: a second load in the same
  // process would register nothing. Run one host per process.
  if (loadedOnce) throw new Error('an app was already loaded in this process; start another process for another host');
  loadedOnce = true;
  const absDir = path.resolve(appDir);
  const main = readMain(absDir);
  applyLocalSettings(absDir);
  const registry: AppRegistry = { functions: new Map(), hooks: new Map(), model: undefined };
  const coreApi = createCoreApi(registry, (level, _category, message) => sink(level, message));
  const uninstall = installCoreApi(coreApi);
  const files = await resolveMainGlob(absDir, main);
  if (files.length === 0) {
    uninstall();
    throw new Error(`Found zero files matching the supplied pattern "${main}" in ${absDir} (did you build?)`);
  }
  for (const file of files) {
    try {
      // The worker require()s CommonJS entry points in order; the shim above must see these calls.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    } catch (err) {
      uninstall();
      throw new Error(
        `Worker was unable to load entry point "${path.relative(absDir, file)}": ${(err as Error).message}`,
      );
    }
  }
  const capabilities = registry.model ? await registry.model.getCapabilities({}) : {};
  return { appDir: absDir, registry, appHookData: {}, files, capabilities, uninstall };
}

/**
 * Where the app takes HTTP requests itself: with `app.setup({ enableHttpStream: true })` the library starts an HTTP
 * proxy server in the worker and reports its address as the `HttpUri` capability; the host then forwards each
 * HTTP request there (correlated by `x-ms-invocation-id`) instead of passing it as RPC data.
 */
export function httpStreamUri(app: LoadedApp): string | undefined {
  return app.capabilities.HttpUri;
}

/** Runs the appStart hooks, after the host has validated the functions and is about to serve them. */
export async function startApp(app: LoadedApp): Promise<void> {
  for (const hook of app.registry.hooks.get('appStart') ?? []) {
    await hook({ hookData: app.appHookData, appHookData: app.appHookData, functionAppDirectory: app.appDir });
  }
}

/** Runs appTerminate hooks; failures are logged, not thrown, so shutdown always completes. */
export async function terminateApp(app: LoadedApp, sink: LogSink): Promise<void> {
  for (const hook of app.registry.hooks.get('appTerminate') ?? []) {
    try {
      await hook({ hookData: app.appHookData, appHookData: app.appHookData });
    } catch (err) {
      sink('error', `appTerminate hook failed: ${(err as Error).message}`);
    }
  }
  app.uninstall();
}
