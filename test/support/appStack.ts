/**
 * The whole app for integration tests, as a client sees it: real Azurite (child process), the real emulator
 * (in this process, on a free port, over HTTPS) and the real app served by a Functions host (child process), reached
 * over HTTP. The host is the local host, or the genuine Azure Functions runtime when the suite runs in jest's
 * `functions runtime` project (test/support/hostKind.ts); tests are written once for both. Every piece is stopped by
 * `stop()`, even when a test fails.
 */
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { Admin } from '../../emulator/test/support/admin';
import { startTestEmulator, type TestEmulator } from '../../emulator/test/support/emulator';
import { startAzurite, type TestAzurite } from './azurite';
import { testHostKind, type HostKind } from './hostKind';
import { startHostProcess, startRuntimeProcess, type HostProcess, type RuntimeProcess } from './hostProcess';
import { REPO_ROOT } from './processes';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface AppStack {
  azurite: TestAzurite;
  emulator: TestEmulator;
  admin: Admin;
  /** Which host serves the app. */
  hostKind: HostKind;
  identity: CommunicationIdentityClient;
  /** The host serving the app (replaced by restartHost). */
  host: HostProcess;
  /** Starts another host process on the same storage and emulator (e.g. a second instance). */
  startHost(env?: NodeJS.ProcessEnv): Promise<HostProcess>;
  /** Kills the current host with SIGKILL (no cleanup) and starts a new one. */
  restartHost(options?: { kill?: boolean }): Promise<HostProcess>;
  /** Runs a non-HTTP function now through the host's admin endpoint (`POST /admin/functions/{name}`). */
  runFunction(name: string, input?: string): Promise<ApiResponse>;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** A chat client acting as a new ACS user (with its own token). */
  newUser(): Promise<{ id: string; token: string; chat: ChatClient }>;
  /** A chat client for any token (e.g. the app's service user's). */
  chatAs(token: string): ChatClient;
  stop(): Promise<void>;
}

export interface AppStackOptions {
  /** Extra settings for the host (e.g. a fast SCHEDULE_DISPATCH_CRON). */
  env?: NodeJS.ProcessEnv;
  /** Makes the host check function keys; `api()` then sends this key unless told otherwise. */
  functionKey?: string;
  /**
   * Has the emulator deliver chat events to the app's Event Grid function through the host, as an Event Grid
   * subscription does (handshake first); `chaos` is the share delivered twice and out of order.
   */
  events?: { functionName: string; chaos?: number };
  /** The host to run the app on; default from the environment (testHostKind()). */
  host?: HostKind;
}

export async function startAppStack(options: AppStackOptions = {}): Promise<AppStack> {
  const started: { stop(): Promise<void> }[] = [];
  const hosts = new Set<HostProcess>();
  const stopAll = async (): Promise<void> => {
    for (const h of hosts) await h.stop().catch(() => undefined);
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const azurite = await startAzurite();
    started.push(azurite);
    const emulator = await startTestEmulator();
    started.push({ stop: () => emulator.close() });
    const hostEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: emulator.connectionString,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
      ...(options.functionKey ? { LOCAL_FUNCTION_KEY: options.functionKey } : {}),
      ...options.env,
      ...extra,
    });
    const admin = new Admin(emulator);
    const hostKind = options.host ?? testHostKind();
    // The genuine runtime always checks keys: it gets known ones, and every call carries them.
    const keys = (h: HostProcess): { function?: string; master?: string; eventGrid?: string } =>
      'keys' in h
        ? (h as RuntimeProcess).keys
        : { function: options.functionKey, master: options.functionKey, eventGrid: options.functionKey };
    const subscribe = async (h: HostProcess): Promise<void> => {
      if (!options.events) return;
      const code = keys(h).eventGrid;
      const query = `functionName=${options.events.functionName}${code ? `&code=${encodeURIComponent(code)}` : ''}`;
      const res = await admin.putWebhook('app', {
        url: `${h.url}/runtime/webhooks/eventgrid?${query}`,
        ...(options.events.chaos ? { chaos: options.events.chaos } : {}),
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`event subscription refused: ${res.status} ${res.text}`);
    };
    const startHost = async (env?: NodeJS.ProcessEnv): Promise<HostProcess> => {
      const h =
        hostKind === 'functions'
          ? await startRuntimeProcess(REPO_ROOT, {
              env: hostEnv(env),
              ...(options.functionKey ? { keys: { function: options.functionKey } } : {}),
            })
          : await startHostProcess(REPO_ROOT, { env: hostEnv(env) });
      hosts.add(h);
      return h;
    };
    const identity = new CommunicationIdentityClient(emulator.connectionString, { tlsOptions: { ca: emulator.ca } });
    const chatAs = (token: string): ChatClient =>
      new ChatClient(emulator.endpoint, new AzureCommunicationTokenCredential(token), {
        tlsOptions: { ca: emulator.ca },
        retryOptions: { maxRetries: 0 },
      });
    const stack: AppStack = {
      azurite,
      emulator,
      admin,
      hostKind,
      identity,
      host: await startHost(),
      startHost,
      async restartHost({ kill = true } = {}) {
        const old = stack.host;
        if (kill) await old.crash();
        await old.stop();
        hosts.delete(old);
        stack.host = await startHost();
        await subscribe(stack.host);
        return stack.host;
      },
      async api(method, path, body, extraHeaders = {}) {
        const key = keys(stack.host).function;
        const headers = { ...(key ? { 'x-functions-key': key } : {}), ...extraHeaders };
        return call(`${stack.host.url}${path}`, method, body, headers);
      },
      async runFunction(name, input = '') {
        const key = keys(stack.host).master;
        const headers: Record<string, string> = key ? { 'x-functions-key': key } : {};
        return call(`${stack.host.url}/admin/functions/${name}`, 'POST', { input }, headers);
      },
      async newUser() {
        const { user, token } = await identity.createUserAndToken(['chat']);
        return { id: user.communicationUserId, token, chat: chatAs(token) };
      },
      chatAs,
      stop: stopAll,
    };
    await subscribe(stack.host);
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function call(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** `/api/threads/{threadId}…` with the thread id percent-encoded, as clients must send it. */
export function threadPath(threadId: string, rest = ''): string {
  return `/api/threads/${encodeURIComponent(threadId)}${rest}`;
}

/** Creates `n` ACS users through the identity SDK (a few at a time) and returns their raw ids. */
export async function createUsers(stack: AppStack, n: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - ids.length) }, () => stack.identity.createUser()),
    );
    ids.push(...batch.map((u) => u.communicationUserId));
  }
  return ids;
}

/** The thread's members as ACS lists them to one of them (`memberId`), with how often each id appears. */
export async function memberCounts(stack: AppStack, threadId: string, memberId: string): Promise<Map<string, number>> {
  const token = (await stack.identity.getToken({ communicationUserId: memberId }, ['chat'])).token;
  const counts = new Map<string, number>();
  for await (const p of stack.chatAs(token).getChatThreadClient(threadId).listParticipants()) {
    const id = (p.id as { communicationUserId: string }).communicationUserId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
