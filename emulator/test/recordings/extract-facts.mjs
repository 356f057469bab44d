#!/usr/bin/env node
/**
 * Turns live-service recordings of the Azure SDKs' own test suites into a fixture of facts: per operation, case
 * and api-version, the response status, the body's key paths with their value types, the Content-Type and the
 * shape of the Location header, the error code/message, and the recordings each fact came from. Only these facts
 * are committed (live-service-facts.json); the recordings themselves are not.
 *
 * Not run in CI. Usage:
 *
 *   node emulator/test/recordings/extract-facts.mjs <recordings-dir> > emulator/test/recordings/live-service-facts.json
 *
 * <recordings-dir> holds copies of the recordings laid out as `<owner>/<repo>/<commit>/<path in that repo>`:
 *   - Azure/azure-sdk-for-android: sdk/communication/azure-communication-chat/src/test/resources/session-records/
 *     (`networkCallRecords` format);
 *   - Azure/azure-sdk-for-js: sdk/communication/communication-chat/recordings/node/…,
 *     Azure/azure-sdk-assets: js/sdk/communication/communication-{chat,identity}/recordings/node/…,
 *     Azure/azure-sdk-for-python: sdk/communication/azure-communication-chat/tests/recordings/…
 *     (test-proxy `Entries` format; a copy may keep only the fields read below).
 * Every `.json` file under it is read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: extract-facts.mjs <recordings-dir>\n');
  process.exit(2);
}

/** Maps with caller-chosen keys: their keys are data, not shape. */
const MAP_KEYS = new Set(['metadata']);

/** A malformed ACS identifier as the SDK tests send it (`8:acs:invalidUserId`): no `<resource>_<id>` part. */
const WELL_FORMED_ACS_ID = /^8:(acs|spool|dod-acs|gcch-acs):[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}_[A-Za-z0-9-]+$/i;

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (name.endsWith('.json')) yield p;
  }
}

/** One request/response, whatever the recording format. */
function entriesOf(doc) {
  if (Array.isArray(doc.networkCallRecords)) {
    return doc.networkCallRecords.map((r) => {
      const res = r.Response ?? {};
      let body = null;
      if (typeof res.Body === 'string' && res.Body.length > 0) {
        try {
          body = JSON.parse(res.Body);
        } catch {
          body = undefined;
        }
      }
      return {
        method: r.Method,
        uri: r.Uri,
        requestBody: null, // the Android recorder does not keep request bodies
        status: Number(res.StatusCode),
        contentType: res['Content-Type'] ?? null,
        location: res.Location ?? null,
        body,
      };
    });
  }
  if (Array.isArray(doc.Entries)) {
    return doc.Entries.map((e) => {
      const h = Object.fromEntries(Object.entries(e.ResponseHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return {
        method: e.RequestMethod,
        uri: e.RequestUri,
        requestBody: e.RequestBody ?? null,
        status: Number(e.StatusCode),
        contentType: h['content-type'] ?? null,
        location: h['location'] ?? null,
        body: e.ResponseBody ?? null,
      };
    });
  }
  return [];
}

function route(method, path) {
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
  const byMethod = (ops) => (ops[method] ? { operation: ops[method], threadId } : undefined);
  if (rest === '')
    return byMethod({
      GET: 'GetChatThreadProperties',
      PATCH: 'UpdateChatThreadProperties',
      DELETE: 'DeleteChatThread',
    });
  if (rest === 'messages') return byMethod({ POST: 'SendChatMessage', GET: 'ListChatMessages' });
  if (seg[3] === 'messages' && seg.length === 5) {
    const r = byMethod({ GET: 'GetChatMessage', PATCH: 'UpdateChatMessage', DELETE: 'DeleteChatMessage' });
    return r && { ...r, messageId: decodeURIComponent(seg[4] ?? '') };
  }
  if (rest === 'participants/:add') return { operation: 'AddChatParticipants', threadId };
  if (rest === 'participants/:remove') return { operation: 'RemoveChatParticipant', threadId };
  if (rest === 'participants') return { operation: 'ListChatParticipants', threadId };
  if (rest === 'typing') return { operation: 'SendTypingNotification', threadId };
  if (rest === 'readReceipts') return byMethod({ POST: 'SendChatReadReceipt', GET: 'ListChatReadReceipts' });
  return undefined;
}

/** The scenario a request stands for: what the conformance test has to reproduce to compare like with like. */
function caseOf(r, e) {
  const ok = e.status >= 200 && e.status < 300;
  if (r.operation === 'CreateUser') return e.requestBody?.createTokenWithScopes ? 'withToken' : 'ok';
  if (r.operation === 'UpdateChatThreadProperties' && e.requestBody && e.requestBody.retentionPolicy === null)
    return 'clearRetentionPolicy';
  if (ok) return 'ok';
  if (r.operation === 'IssueAccessToken' && Array.isArray(e.requestBody?.scopes) && e.requestBody.scopes.length === 0)
    return 'noScopes';
  // The identity recordings sanitise the id; the tests that made them use `8:acs:00000000-…_…`, an id of
  // another resource, and the service answers 401 IdentityNotOwned.
  if (e.body?.error?.code === 'IdentityNotOwned') return 'identityOfAnotherResource';
  if (r.threadId !== undefined && !/^19:.+@thread\.v2$/.test(r.threadId)) return 'malformedThreadId';
  if (r.messageId !== undefined && !/^\d+$/.test(r.messageId)) return 'malformedMessageId';
  if (/Identifier format is invalid/.test(JSON.stringify(e.body ?? ''))) return 'malformedParticipantId';
  if (e.status === 404 && r.threadId !== undefined) return 'unknownThread';
  return `status${e.status}`;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** `path: type` for every value in the body; array elements share `path[]`; map-valued fields stop at the map. */
function keyPaths(v, path, out) {
  if (path !== '') out.add(`${path}: ${typeOf(v)}`);
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${path}[]`, out);
  else if (v !== null && typeof v === 'object') {
    const last = path.split('.').pop() ?? '';
    if (MAP_KEYS.has(last)) return;
    for (const [k, x] of Object.entries(v)) keyPaths(x, path === '' ? k : `${path}.${k}`, out);
  }
}

/** Location with the host and ids replaced, keeping how the service encodes the thread id. */
export function locationShape(location) {
  return location
    .replace(/^https?:\/\/[^/]+/, '{origin}')
    .replace(/19%3A[^/@%]+(@|%40)thread\.v2/i, '19%3A{id}$1thread.v2')
    .replace(/\/messages\/\d+$/, '/messages/{messageId}');
}

function errorOf(body) {
  const ce = body?.CommunicationError;
  if (ce) return { code: ce.Code ?? null, message: ce.Message ?? null, target: ce.Target ?? null };
  const ie = body?.error;
  if (ie) return { code: ie.code ?? null, message: ie.message ?? null, target: ie.target ?? null };
  return undefined;
}

const facts = new Map();
let recordings = 0;
let skipped = 0;
for (const file of files(root)) {
  const rel = relative(root, file).split(sep);
  const source = `${rel[0]}/${rel[1]}@${(rel[2] ?? '').slice(0, 12)}:${rel.slice(3).join('/')}`;
  const entries = entriesOf(JSON.parse(readFileSync(file, 'utf8')));
  if (entries.length > 0) recordings++;
  for (const e of entries) {
    if (!Number.isFinite(e.status)) continue;
    // A hand-written playback mock (seen in one Android file: a 200 with a body but no Content-Type, no rawId)
    // is not the live service.
    if (e.body !== null && e.contentType === null) {
      skipped++;
      continue;
    }
    const url = new URL(e.uri);
    const r = route(e.method, url.pathname);
    if (!r) continue;
    const apiVersion = url.searchParams.get('api-version') ?? '';
    const c = caseOf(r, e);
    const id = `${r.operation}|${c}|${apiVersion}|${e.status}`;
    let f = facts.get(id);
    if (!f) {
      f = {
        operation: r.operation,
        case: c,
        apiVersion,
        status: e.status,
        contentType: new Set(),
        location: new Set(),
        keys: new Set(),
        error: undefined,
        sources: new Set(),
      };
      facts.set(id, f);
    }
    f.contentType.add(e.contentType);
    if (e.location) f.location.add(locationShape(e.location));
    if (e.body) keyPaths(e.body, '', f.keys);
    f.error ??= errorOf(e.body);
    f.sources.add(source);
  }
}

const out = [...facts.values()]
  .sort((a, b) => `${a.operation}|${a.case}|${a.apiVersion}`.localeCompare(`${b.operation}|${b.case}|${b.apiVersion}`))
  .map((f) => ({
    operation: f.operation,
    case: f.case,
    apiVersion: f.apiVersion,
    status: f.status,
    contentType: [...f.contentType].sort(),
    location: [...f.location].sort(),
    keys: [...f.keys].sort(),
    ...(f.error ? { error: f.error } : {}),
    sources: [...f.sources].sort(),
  }));
process.stdout.write(
  `${JSON.stringify(
    {
      about:
        'Facts extracted by extract-facts.mjs from live-service recordings of the Azure SDK test suites; see that script.',
      recordings,
      skippedMockEntries: skipped,
      facts: out,
    },
    null,
    2,
  )}\n`,
);
