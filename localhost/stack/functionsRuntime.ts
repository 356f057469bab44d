/**
 * The genuine Azure Functions runtime (the .NET host with the Node.js language worker), run on this app instead of
 * the local host: found, given known keys, started, and waited for.
 *
 * Where it comes from, in order: an explicit path (`--runtime-path` or `FUNCTIONS_RUNTIME_PATH`), Azure Functions
 * Core Tools (`func` on PATH), then a runtime built from source beside the project (`../shared/functions-host`,
 * whose `func-host APP_DIR PORT` launcher runs the same host and worker that Core Tools ships).
 *
 * Keys: the runtime checks function keys (Core Tools switches the check off; this host does not), and reads them
 * from its secret store, by default the `azure-webjobs-secrets` container of `AzureWebJobsStorage` under the host
 * id. Before it starts, the host's secrets are written there with known local keys (unencrypted, as the runtime
 * itself writes them outside Azure), and the host id is fixed with `AzureFunctionsWebHost__hostid`, so the
 * function key, the master key and the Event Grid extension's system key are known to whoever started it.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import fs from 'fs';
import path from 'path';

export type RuntimeKind = 'func-host' | 'core-tools';

export interface FunctionsRuntime {
  kind: RuntimeKind;
  /** The launcher: `func-host` (APP_DIR PORT) or Core Tools' `func` (run in the app folder). */
  command: string;
  /** How it was found, for messages. */
  source: string;
}

export interface RuntimeKeys {
  /** The host's master key: admin endpoints (`/admin/*`) and every function. */
  master: string;
  /** The host-level `default` function key: every `authLevel: 'function'` route. */
  function: string;
  /** The `eventgrid_extension` system key: the Event Grid webhook `/runtime/webhooks/eventgrid`. */
  eventGrid: string;
}

/** Well-known keys for a local runtime, like Azurite's development account key: not secrets. */
export const LOCAL_RUNTIME_KEYS: RuntimeKeys = {
  master: 'local-master-key',
  function: 'local-function-key',
  eventGrid: 'local-eventgrid-key',
};

/** The variable that names a runtime launcher explicitly. */
export const RUNTIME_PATH_VARIABLE = 'FUNCTIONS_RUNTIME_PATH';

/** Where the source-built runtime lives, relative to the project folder. */
export const SOURCE_BUILT_RUNTIME = path.join('..', 'shared', 'functions-host', 'func-host');

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function kindOf(command: string): RuntimeKind {
  return /^func(\.exe|\.cmd)?$/i.test(path.basename(command)) ? 'core-tools' : 'func-host';
}

/**
 * Finds a runtime to run the app on, or says what was looked for. `explicit` wins; a source-built runtime also
 * needs `dotnet` on PATH.
 */
export function locateFunctionsRuntime(
  options: { explicit?: string; env?: NodeJS.ProcessEnv; projectDir: string } = { projectDir: process.cwd() },
): FunctionsRuntime | { missing: string } {
  const env = options.env ?? process.env;
  const explicit = options.explicit ?? (env[RUNTIME_PATH_VARIABLE] || undefined);
  if (explicit) {
    const command = path.resolve(options.projectDir, explicit);
    if (!fs.existsSync(command)) return { missing: `${explicit} does not exist` };
    return { kind: kindOf(command), command, source: options.explicit ? 'given path' : RUNTIME_PATH_VARIABLE };
  }
  const func = onPath('func', env);
  if (func) return { kind: 'core-tools', command: func, source: 'Azure Functions Core Tools on PATH' };
  const built = path.resolve(options.projectDir, SOURCE_BUILT_RUNTIME);
  if (fs.existsSync(built)) {
    if (!onPath('dotnet', env)) return { missing: `${SOURCE_BUILT_RUNTIME} needs the .NET runtime (dotnet on PATH)` };
    return { kind: 'func-host', command: built, source: SOURCE_BUILT_RUNTIME };
  }
  return {
    missing: `no Functions runtime: neither ${RUNTIME_PATH_VARIABLE}, nor func (Azure Functions Core Tools) on PATH, nor ${SOURCE_BUILT_RUNTIME}`,
  };
}

/** A host id the runtime accepts (lower-case letters, digits and dashes, at most 32), from the app's name. */
export function hostIdFor(appDir: string): string {
  let name = 'functions-app';
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof pkg.name === 'string') name = pkg.name;
  } catch {
    // no package.json: the default name
  }
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return id || 'functions-app';
}

/** The container the runtime keeps its keys in (blob secret store, the default outside Azure too). */
export const SECRETS_CONTAINER = 'azure-webjobs-secrets';

/** Writes the host's secrets with `keys` into the storage account, where the runtime with `hostId` reads them. */
export async function writeRuntimeKeys(storageConnectionString: string, hostId: string, keys: RuntimeKeys) {
  const container =
    BlobServiceClient.fromConnectionString(storageConnectionString).getContainerClient(SECRETS_CONTAINER);
  await container.createIfNotExists();
  const key = (name: string, value: string) => ({ name, value, encrypted: false });
  const secrets = JSON.stringify({
    masterKey: key('master', keys.master),
    functionKeys: [key('default', keys.function)],
    systemKeys: [key('eventgrid_extension', keys.eventGrid)],
    hostName: null,
    instanceId: hostId,
    source: 'runtime',
    decryptionKeyId: '',
  });
  await container.getBlockBlobClient(`${hostId}/host.json`).upload(secrets, Buffer.byteLength(secrets), {
    blobHTTPHeaders: { blobContentType: 'application/json' },
  });
}

export interface RuntimeLaunch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The command line and environment that run `appDir` on `runtime` at `host:port`. `env` holds the app's settings
 * (they win over local.settings.json, as with Core Tools); the host id and console logging are added.
 */
export function runtimeLaunch(
  runtime: FunctionsRuntime,
  options: { appDir: string; host: string; port: number; env: NodeJS.ProcessEnv; hostId: string },
): RuntimeLaunch {
  const env: NodeJS.ProcessEnv = {
    // Development makes the host log to the console (function discovery, invocations, the app's own log lines).
    AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
    ASPNETCORE_ENVIRONMENT: 'Development',
    // The storage SDK logs every request (and every expected 404) and the options service dumps its settings:
    // keep the console to what Core Tools shows (start-up, functions, invocations, the app's log lines).
    'AzureFunctionsJobHost__logging__logLevel__Azure.Core': 'Error',
    'AzureFunctionsJobHost__logging__logLevel__Microsoft.Azure.WebJobs.Hosting.OptionsLoggingService': 'Warning',
    'Logging__LogLevel__Azure.Core': 'Error',
    ...options.env,
    AzureFunctionsWebHost__hostid: options.hostId,
  };
  if (runtime.kind === 'core-tools') {
    return { command: runtime.command, args: ['start', '--port', String(options.port)], cwd: options.appDir, env };
  }
  // func-host binds 127.0.0.1 and takes the port as its second argument.
  return { command: runtime.command, args: [options.appDir, String(options.port)], cwd: options.appDir, env };
}

export interface RuntimeFunction {
  name: string;
  /** `httpTrigger`, `timerTrigger`, `queueTrigger`, `eventGridTrigger`, … */
  trigger: string;
  /** HTTP functions: methods and the URL template the host serves them on. */
  methods?: string[];
  url?: string;
}

interface AdminFunction {
  name: string;
  invoke_url_template?: string | null;
  config?: { bindings?: { type?: string; direction?: string; methods?: string[] }[] };
}

/**
 * Waits until the runtime at `url` answers its status endpoint with `Running` and lists the app's functions, or
 * rejects after `timeoutMs` (or at once when `exited` settles first: the runtime died while starting).
 */
export async function waitForRuntime(
  url: string,
  masterKey: string,
  timeoutMs: number,
  exited?: Promise<unknown>,
): Promise<RuntimeFunction[]> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void exited?.then(() => (died = true));
  let last = 'no answer';
  const headers = { 'x-functions-key': masterKey };
  while (Date.now() < deadline && !died) {
    try {
      const status = await fetch(`${url}/admin/host/status`, { headers, signal: AbortSignal.timeout(5_000) });
      const body = status.ok ? ((await status.json()) as { state?: string; errors?: string[] }) : {};
      const state = status.ok ? body.state : `HTTP ${status.status}`;
      last = `state ${state}`;
      // The host keeps retrying a broken app; its errors (a bad host.json, a function that fails to index) are final.
      if (state === 'Error' && body.errors?.length) throw new RuntimeStartError(body.errors.join('; '));
      if (state === 'Running') {
        const res = await fetch(`${url}/admin/functions`, { headers, signal: AbortSignal.timeout(5_000) });
        if (res.ok) {
          const functions = ((await res.json()) as AdminFunction[]).map(toRuntimeFunction);
          if (functions.length > 0) return functions;
          last = 'no functions indexed yet';
        }
      }
    } catch (error) {
      if (error instanceof RuntimeStartError) throw error;
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    died
      ? 'the Functions runtime exited while starting'
      : `the Functions runtime was not ready within ${timeoutMs} ms (${last})`,
  );
}

export class RuntimeStartError extends Error {
  constructor(errors: string) {
    super(`the Functions runtime could not start the app: ${errors}`);
    this.name = 'RuntimeStartError';
  }
}

function toRuntimeFunction(f: AdminFunction): RuntimeFunction {
  const bindings = f.config?.bindings ?? [];
  const trigger = bindings.find((b) => b.direction === 'in' && /trigger$/i.test(b.type ?? ''));
  const type = trigger?.type ?? 'unknown';
  if (type.toLowerCase() !== 'httptrigger') return { name: f.name, trigger: type };
  return {
    name: f.name,
    trigger: type,
    methods: (trigger?.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
    ...(f.invoke_url_template ? { url: f.invoke_url_template } : {}),
  };
}
