/**
 * Turns live-service recordings of the Azure SDKs' own test suites into a fixture of facts: per operation, case
 * and api-version, the response status, the body's key paths with their value types, the Content-Type and the
 * shape of the Location header, the error code/message/target, and the recordings each fact came from. Only these
 * facts are committed (live-service-facts.json), never the recordings. Not run in CI; it documents how the fixture
 * was made:
 *
 *   npx tsc --outDir .local/extract --module commonjs --target es2022 --skipLibCheck \
 *     emulator/test/recordings/extract-facts.ts
 *   node .local/extract/extract-facts.js <recordings-dir> > emulator/test/recordings/live-service-facts.json
 *   npx prettier --write emulator/test/recordings/live-service-facts.json
 *
 * <recordings-dir> holds copies laid out as `<owner>/<repo>/<commit>/<path in that repo>`; every `.json` file
 * under it is read:
 *   - Azure/azure-sdk-for-android `sdk/communication/azure-communication-chat/src/test/resources/session-records/`
 *     (`networkCallRecords` format, api-version 2021-09-07);
 *   - Azure/azure-sdk-for-js `sdk/communication/communication-chat/recordings/node/`, Azure/azure-sdk-assets
 *     `js/sdk/communication/communication-{chat,identity}/recordings/node/` and Azure/azure-sdk-for-python
 *     `sdk/communication/azure-communication-chat/tests/recordings/` (test-proxy `Entries` format; a copy may keep
 *     only the request line and body, status, Content-Type, Location and response body of each entry).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { keyPaths, locationShape, wireError, type Fact, type FactsFile, type WireError } from './shape';

type Obj = Record<string, unknown>;

interface Entry {
  method: string;
  uri: string;
  requestBody: unknown;
  status: number;
  contentType: string | null;
  location: string | null;
  body: unknown;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (name.endsWith('.json')) yield p;
  }
}

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parseMaybe(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The request/response pairs of a recording, whatever its format. */
function entriesOf(doc: Obj): Entry[] {
  const android = doc['networkCallRecords'];
  if (Array.isArray(android)) {
    return android.map((raw) => {
      const r = obj(raw);
      const res = obj(r['Response']);
      return {
        method: str(r['Method']) ?? '',
        uri: str(r['Uri']) ?? '',
        requestBody: null, // the Android recorder keeps no request bodies
        status: Number(res['StatusCode']),
        contentType: str(res['Content-Type']),
        location: str(res['Location']),
        body: parseMaybe(res['Body']),
      };
    });
  }
  const proxy = doc['Entries'];
  if (Array.isArray(proxy)) {
    return proxy.map((raw) => {
      const e = obj(raw);
      const h = Object.fromEntries(Object.entries(obj(e['ResponseHeaders'])).map(([k, v]) => [k.toLowerCase(), v]));
      return {
        method: str(e['RequestMethod']) ?? '',
        uri: str(e['RequestUri']) ?? '',
        requestBody: e['RequestBody'] ?? null,
        status: Number(e['StatusCode']),
        contentType: str(h['content-type']),
        location: str(h['location']),
        body: e['ResponseBody'] ?? null,
      };
    });
  }
  return [];
}

interface Route {
  operation: string;
  threadId?: string;
  messageId?: string;
}

function route(method: string, path: string): Route | undefined {
  const seg = path.split('/').filter((s) => s !== '');
  if (seg[0] === 'identities') {
    if (seg.length === 1 && method === 'POST') return { operation: 'CreateUser' };
    if (seg.length === 2 && method === 'DELETE') return { operation: 'DeleteUser' };
    if (seg[2] === ':issueAccessToken') return { operation: 'IssueAccessToken' };
    if (seg[2] === ':revokeAccessTokens') return { operation: 'RevokeAccessTokens' };
    return undefined;
  }
  if (seg[0] !== 'chat' || seg[1] !== 'threads') return undefined;
  if (seg.length === 2) return { operation: method === 'POST' ? 'CreateChatThread' : 'ListChatThreads' };
  const threadId = decodeURIComponent(seg[2] ?? '');
  const rest = seg.slice(3).join('/');
  const pick = (ops: Record<string, string>): Route | undefined => {
    const operation = ops[method];
    return operation === undefined ? undefined : { operation, threadId };
  };
  if (rest === '')
    return pick({ GET: 'GetChatThreadProperties', PATCH: 'UpdateChatThreadProperties', DELETE: 'DeleteChatThread' });
  if (rest === 'messages') return pick({ POST: 'SendChatMessage', GET: 'ListChatMessages' });
  if (seg[3] === 'messages' && seg.length === 5) {
    const r = pick({ GET: 'GetChatMessage', PATCH: 'UpdateChatMessage', DELETE: 'DeleteChatMessage' });
    return r && { ...r, messageId: decodeURIComponent(seg[4] ?? '') };
  }
  if (rest === 'participants/:add') return { operation: 'AddChatParticipants', threadId };
  if (rest === 'participants/:remove') return { operation: 'RemoveChatParticipant', threadId };
  if (rest === 'participants') return { operation: 'ListChatParticipants', threadId };
  if (rest === 'typing') return { operation: 'SendTypingNotification', threadId };
  if (rest === 'readReceipts') return pick({ POST: 'SendChatReadReceipt', GET: 'ListChatReadReceipts' });
  return undefined;
}

/** The scenario a request stands for: what the conformance test reproduces to compare like with like. */
function caseOf(r: Route, e: Entry): string {
  const req = obj(e.requestBody);
  if (r.operation === 'CreateUser') return req['createTokenWithScopes'] ? 'withToken' : 'ok';
  if (r.operation === 'UpdateChatThreadProperties' && req['retentionPolicy'] === null) return 'clearRetentionPolicy';
  if (e.status >= 200 && e.status < 300) return 'ok';
  const scopes = req['scopes'];
  if (r.operation === 'IssueAccessToken' && Array.isArray(scopes) && scopes.length === 0) return 'noScopes';
  const err = wireError(e.body);
  // The identity recordings sanitise the id; the tests that made them use `8:acs:00000000-…_…`, an identity of
  // another resource.
  if (err?.code === 'IdentityNotOwned') return 'identityOfAnotherResource';
  if (r.threadId !== undefined && !/^19:.+@thread\.v2$/.test(r.threadId)) return 'malformedThreadId';
  if (r.messageId !== undefined && !/^\d+$/.test(r.messageId)) return 'malformedMessageId';
  if (err?.message?.startsWith('Identifier format is invalid')) return 'malformedParticipantId';
  if (e.status === 404 && r.threadId !== undefined) return 'unknownThread';
  return `status${e.status}`;
}

interface Acc {
  fact: Omit<Fact, 'contentType' | 'location' | 'keys' | 'sources' | 'error'>;
  contentType: Set<string | null>;
  location: Set<string>;
  keys: Set<string>;
  error: WireError | undefined;
  sources: Set<string>;
}

function main(root: string): FactsFile {
  const facts = new Map<string, Acc>();
  let recordings = 0;
  let skippedMockEntries = 0;
  for (const file of files(root)) {
    const rel = relative(root, file).split(sep);
    const source = `${rel[0]}/${rel[1]}@${(rel[2] ?? '').slice(0, 12)}:${rel.slice(3).join('/')}`;
    const entries = entriesOf(obj(JSON.parse(readFileSync(file, 'utf8'))));
    if (entries.length > 0) recordings++;
    for (const e of entries) {
      if (!Number.isFinite(e.status) || e.uri === '') continue;
      // A hand-written playback mock (two Android files: a 200 with a body but no Content-Type and ids without
      // rawId) is not the live service.
      if (e.body !== null && e.contentType === null) {
        skippedMockEntries++;
        continue;
      }
      const url = new URL(e.uri);
      const r = route(e.method, url.pathname);
      if (!r) continue;
      const apiVersion = url.searchParams.get('api-version') ?? '';
      const c = caseOf(r, e);
      const id = `${r.operation}|${c}|${apiVersion}|${e.status}`;
      let acc = facts.get(id);
      if (!acc) {
        acc = {
          fact: { operation: r.operation, case: c, apiVersion, status: e.status },
          contentType: new Set(),
          location: new Set(),
          keys: new Set(),
          error: undefined,
          sources: new Set(),
        };
        facts.set(id, acc);
      }
      acc.contentType.add(e.contentType);
      if (e.location !== null) acc.location.add(locationShape(e.location));
      if (e.body !== null && e.body !== undefined) keyPaths(e.body, '', acc.keys);
      acc.error ??= wireError(e.body);
      acc.sources.add(source);
    }
  }
  const out: Fact[] = [...facts.values()]
    .map((a) => ({
      ...a.fact,
      contentType: [...a.contentType].sort(),
      location: [...a.location].sort(),
      keys: [...a.keys].sort(),
      ...(a.error ? { error: a.error } : {}),
      sources: [...a.sources].sort(),
    }))
    .sort((a, b) =>
      `${a.operation}|${a.case}|${a.apiVersion}`.localeCompare(`${b.operation}|${b.case}|${b.apiVersion}`),
    );
  return {
    about: 'Facts extracted by extract-facts.ts from live-service recordings of the Azure SDK test suites; see it.',
    recordings,
    skippedMockEntries,
    facts: out,
  };
}

const root = process.argv[2];
if (root === undefined) {
  process.stderr.write('usage: node extract-facts.js <recordings-dir>\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(main(root), null, 2)}\n`);
}
