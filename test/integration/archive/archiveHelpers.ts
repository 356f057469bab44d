/**
 * Helpers for the archive tests: fill a thread quickly through a member's own SDK client, wait for runs through
 * the API, read the archive back, and check the blobs themselves (checksums, counts, duplicates) with the storage
 * SDK, independently of the app's reader.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { ChatMessage, ChatThreadClient } from '@azure/communication-chat';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AppStack } from '../../support/appStack';
import { threadPath } from '../../support/appStack';
import { eventually } from '../../support/processes';

export const CONTAINER = 'chat-archive';

/** Runs `fn` `total` times with at most `concurrency` at once. */
export async function pool<T>(total: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

export interface SeededThread {
  threadId: string;
  member: { id: string; token: string; chat: ChatThreadClient };
  /** Ids of the member's messages, in send order. */
  sent: string[];
}

/** A thread made through the API (so the service user is in it) with a member who writes. */
export async function createThreadWithMember(stack: AppStack, topic: string): Promise<SeededThread> {
  const member = await stack.newUser();
  const created = await stack.api('POST', '/api/threads', {
    topic,
    participants: [{ id: member.id, displayName: 'Member' }],
  });
  if (created.status !== 201) throw new Error(`create thread: ${created.status} ${created.text}`);
  const threadId = (created.json as { threadId: string }).threadId;
  return { threadId, member: { ...member, chat: member.chat.getChatThreadClient(threadId) }, sent: [] };
}

/** Sends `count` messages as the member, 16 at a time: text mostly, html every 7th, metadata every 11th. */
export async function sendMessages(thread: SeededThread, count: number, label: string, bytes = 0): Promise<void> {
  const ids = await pool(count, 16, async (i) => {
    const body = bytes > 0 ? ` ${'x'.repeat(bytes)}` : '';
    const html = i % 7 === 3;
    const result = await thread.member.chat.sendMessage(
      { content: html ? `<p>${label} <b>${i}</b>${body}</p>` : `${label} ${i}${body}` },
      {
        senderDisplayName: 'Member',
        type: html ? 'html' : 'text',
        ...(i % 11 === 5 ? { metadata: { label, index: String(i) } } : {}),
      },
    );
    return result.id;
  });
  thread.sent.push(...ids);
}

/** Everything the SDK lists (newest first, as ACS returns it). */
export async function listAll(thread: ChatThreadClient): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for await (const page of thread.listMessages({ maxPageSize: 200 }).byPage()) out.push(...page);
  return out;
}

function rawIdOf(id: unknown): string | undefined {
  if (!id || typeof id !== 'object') return undefined;
  const o = id as { communicationUserId?: string; rawId?: string };
  return o.communicationUserId ?? o.rawId;
}

/** A message as the SDK lists it, in the archive's record shape (written here independently of the app). */
export function expectedRecord(m: ChatMessage): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (m.content?.message !== undefined) content.message = m.content.message;
  if (m.content?.topic !== undefined) content.topic = m.content.topic;
  if (m.content?.participants !== undefined) {
    content.participants = m.content.participants.map((p) => ({
      id: rawIdOf(p.id),
      ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
      ...(p.shareHistoryTime !== undefined ? { shareHistoryTime: p.shareHistoryTime.toISOString() } : {}),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
    }));
  }
  if (m.content?.initiator !== undefined) content.initiatorId = rawIdOf(m.content.initiator);
  return {
    id: m.id,
    sequenceId: m.sequenceId,
    version: m.version,
    type: m.type,
    createdOn: m.createdOn.toISOString(),
    ...(m.editedOn ? { editedOn: m.editedOn.toISOString() } : {}),
    ...(m.deletedOn ? { deletedOn: m.deletedOn.toISOString() } : {}),
    ...(m.sender ? { senderId: rawIdOf(m.sender) } : {}),
    ...(m.senderDisplayName !== undefined ? { senderDisplayName: m.senderDisplayName } : {}),
    content,
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}

export interface RunView {
  runId: string;
  state?: string;
  outcome?: string;
  newMessages?: number;
  changes?: number;
  records?: number;
  parts?: number;
  pages?: number;
  error?: string;
}

export interface ManifestView {
  threadId: string;
  parts: {
    name: string;
    records: number;
    sha256: string;
    bytes: number;
    firstSequenceId: number;
    lastSequenceId: number;
  }[];
  counts: { messages: number; records: number; changes: number; deletions: number; parts: number };
  coverage: [number, number][];
  watermark?: { sequenceId: number; messageId?: string };
  thread?: { topic: string; participants: { id: string }[]; goneFromAcsAt?: string; deletedByArchiveAt?: string };
  firstMessageOn?: string;
  lastMessageOn?: string;
  lastRun?: RunView;
}

export async function archiveNow(stack: AppStack, threadId: string): Promise<string> {
  const res = await stack.api('POST', threadPath(threadId, '/archive'));
  if (res.status !== 202) throw new Error(`POST archive: ${res.status} ${res.text}`);
  return (res.json as { runId: string }).runId;
}

/** Polls GET …/archive until the run has ended; returns the manifest. */
export async function waitForRun(stack: AppStack, threadId: string, runId: string, timeoutMs = 90_000) {
  const view = await eventually(
    async () => (await stack.api('GET', threadPath(threadId, '/archive'))).json as ManifestView | undefined,
    (m) =>
      m?.lastRun?.runId === runId && ['succeeded', 'failed', 'skipped', 'threadGone'].includes(m.lastRun.state ?? ''),
    timeoutMs,
    `archive run ${runId}`,
  );
  return view as ManifestView;
}

export async function readBack(stack: AppStack, threadId: string, query = ''): Promise<Record<string, unknown>[]> {
  const res = await stack.api('GET', threadPath(threadId, `/archive/messages${query}`));
  if (res.status !== 200) throw new Error(`read back: ${res.status} ${res.text}`);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  return res.text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function blobService(stack: AppStack): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(stack.azurite.connectionString);
}

/**
 * Checks the stored archive against its manifest with the storage SDK alone: every listed part exists and hashes
 * to its checksum, its lines are sorted and counted right, no record appears twice, and no blob is left that the
 * manifest does not list. Returns every record.
 */
export async function verifyStoredArchive(stack: AppStack, threadId: string): Promise<Record<string, unknown>[]> {
  const container = blobService(stack).getContainerClient(CONTAINER);
  const manifest = JSON.parse(
    (await container.getBlockBlobClient(`${threadId}/manifest.json`).downloadToBuffer()).toString('utf8'),
  ) as ManifestView;
  const records: Record<string, unknown>[] = [];
  for (const part of manifest.parts) {
    const gz = await container.getBlockBlobClient(`${threadId}/${part.name}`).downloadToBuffer();
    expect(createHash('sha256').update(gz).digest('hex')).toBe(part.sha256);
    expect(gz.length).toBe(part.bytes);
    const lines = gunzipSync(gz)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(part.records);
    const seqs = lines.map((l) => Number((JSON.parse(l) as { sequenceId: string }).sequenceId));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(part.firstSequenceId);
    expect(seqs[seqs.length - 1]).toBe(part.lastSequenceId);
    records.push(...lines.map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  expect(records).toHaveLength(manifest.counts.records);
  expect(manifest.counts.parts).toBe(manifest.parts.length);
  const keys = records.map((r) => `${String(r.id)}|${String(r.version)}|${String(r.deletedOn ?? '')}`);
  expect(new Set(keys).size).toBe(keys.length);
  const blobs: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: `${threadId}/parts/` })) blobs.push(b.name);
  expect(blobs.sort()).toEqual(manifest.parts.map((p) => `${threadId}/${p.name}`).sort());
  return records;
}
