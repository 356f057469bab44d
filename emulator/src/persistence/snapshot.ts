import type {
  IdempotencyEntry,
  Metadata,
  Participant,
  ReadReceipt,
  RetentionPolicy,
  StoredMessage,
  UserRecord,
} from '../model/types';
import type { State } from './State';

/**
 * A compacted journal starts with these records: the live state written out field by field, so that loading them
 * rebuilds exactly what replaying the whole history would have built (ordinals, join counters, Map orders, clock).
 * Messages of deleted threads are dropped: nothing can read them any more (the thread itself stays, it is listed).
 */
export type SnapshotRecord =
  | { t: 'snap'; v: 1; resourceId: string; clock: number; messages: number }
  | { t: 'sUser'; id: string; at: number; rev: number; del?: number }
  | {
      t: 'sThread';
      id: string;
      topic: string;
      at: number;
      by: string;
      del?: number;
      md?: Metadata;
      rp?: RetentionPolicy;
      /** participants in Map order, each with its join counter */
      p: [Participant, number][];
      n: number;
      rc: ReadReceipt[];
      fm: [string, { shareHistoryTime: number; removedAt: number }][];
      last?: number;
    }
  /** one message of the thread with ordinal `o`, in sequence order (a tuple: short to write, quick to build) */
  | { t: 'sMsg'; o: number; m: MessageTuple }
  | { t: 'sUserThreads'; id: string; o: number[] }
  | { t: 'sIdem'; k: string; e: IdempotencyEntry };

/**
 * StoredMessage; `seq` is written only after a gap (a sequenceId an edited or deleted message left behind), else
 * it is the previous message's plus one. Snapshots written before edits moved messages have no `seq` at all.
 * JSON writes an absent field as null.
 */
type Opt<T> = T | null | undefined;
type MessageTuple = [
  id: string,
  type: StoredMessage['type'],
  createdAt: number,
  version: number,
  senderId: Opt<string>,
  senderDisplayName: Opt<string>,
  content: Opt<string>,
  participants: Opt<Participant[]>,
  initiatorId: Opt<string>,
  metadata: Opt<Metadata>,
  editedAt: Opt<number>,
  deletedAt: Opt<number>,
  seq?: number,
];

function toTuple(m: StoredMessage, previousSeq: number): MessageTuple {
  const tuple: MessageTuple = [
    m.id,
    m.type,
    m.createdAt,
    m.version,
    m.senderId,
    m.senderDisplayName,
    m.content,
    m.participants,
    m.initiatorId,
    m.metadata,
    m.editedAt,
    m.deletedAt,
  ];
  if (m.seq !== previousSeq + 1) tuple.push(m.seq);
  return tuple;
}

const SNAPSHOT_TYPES = new Set(['snap', 'sUser', 'sThread', 'sMsg', 'sUserThreads', 'sIdem']);

export function isSnapshotRecord(r: { t: string }): r is SnapshotRecord {
  return SNAPSHOT_TYPES.has(r.t);
}

/** How many lines a snapshot of `state` takes (cheap; decides whether compacting is worth it). */
export function snapshotSize(state: State): number {
  let n = 1 + state.users.size + state.threadList.length + state.userThreads.size + state.idempotency.size;
  for (const t of state.threadList) if (t.deletedAt === undefined) n += t.messageIndex.size;
  return n;
}

/** The live state as JSON lines. Synchronous on purpose: the state cannot change while it is written out. */
export function snapshotLines(state: State): string[] {
  const out: string[] = [];
  const put = (r: SnapshotRecord): void => {
    out.push(JSON.stringify(r));
  };
  put({ t: 'snap', v: 1, resourceId: state.resourceId, clock: state.clock.value, messages: state.messageCount });
  for (const u of state.users.values())
    put({ t: 'sUser', id: u.id, at: u.createdAt, rev: u.revokedAt, del: u.deletedAt });
  for (const t of state.threadList) {
    put({
      t: 'sThread',
      id: t.id,
      topic: t.topic,
      at: t.createdAt,
      by: t.createdBy,
      del: t.deletedAt,
      md: t.metadata,
      rp: t.retentionPolicy,
      p: [...t.participants.values()].map((p) => [p, t.joined.get(p.id) ?? 0]),
      n: t.counter,
      rc: [...t.receipts.values()],
      fm: [...t.former.entries()],
      last: t.lastMessageAt,
    });
    if (t.deletedAt !== undefined) continue;
    let previousSeq = 0;
    for (const m of t.messages) {
      if (m === undefined) continue;
      put({ t: 'sMsg', o: t.ordinal, m: toTuple(m, previousSeq) });
      previousSeq = m.seq;
    }
  }
  for (const [id, set] of state.userThreads) put({ t: 'sUserThreads', id, o: [...set] });
  for (const [k, e] of state.idempotency) put({ t: 'sIdem', k, e });
  return out;
}

/** Loads one snapshot record; `snap` starts from an empty state. */
export function applySnapshotRecord(state: State, r: SnapshotRecord): void {
  switch (r.t) {
    case 'snap':
      state.clear();
      state.resourceId = r.resourceId;
      state.clock.observe(r.clock);
      state.messageCount = r.messages;
      return;
    case 'sUser': {
      const u: UserRecord = { id: r.id, createdAt: r.at, revokedAt: r.rev, deletedAt: r.del };
      state.users.set(u.id, u);
      return;
    }
    case 'sThread': {
      state.addThread({
        id: r.id,
        topic: r.topic,
        createdAt: r.at,
        createdBy: r.by,
        deletedAt: r.del,
        metadata: r.md,
        retentionPolicy: r.rp,
        participants: new Map(r.p.map(([p]) => [p.id, p])),
        joined: new Map(r.p.map(([p, n]) => [p.id, n])),
        counter: r.n,
        receipts: new Map(r.rc.map((x) => [x.userId, x])),
        former: new Map(r.fm),
        lastMessageAt: r.last,
      });
      return;
    }
    case 'sMsg': {
      const t = state.threadList[r.o];
      if (!t) throw new Error(`snapshot message for unknown thread ordinal ${r.o}`);
      const [id, type, createdAt, version, sender, name, content, participants, initiator, md, edited, deleted, seq] =
        r.m;
      // sequenceIds that edited or deleted messages left behind stay empty slots
      while (seq !== undefined && t.messages.length < seq - 1) t.messages.push(undefined);
      const msg: StoredMessage = {
        id,
        seq: t.messages.length + 1,
        type,
        createdAt,
        version,
        senderId: state.intern(sender ?? undefined),
        senderDisplayName: state.intern(name ?? undefined),
        content: content ?? undefined,
        participants: participants ?? undefined,
        initiatorId: initiator ?? undefined,
        metadata: md ?? undefined,
        editedAt: edited ?? undefined,
        deletedAt: deleted ?? undefined,
      };
      t.messageIndex.set(msg.id, t.messages.length);
      t.messages.push(msg);
      return;
    }
    case 'sUserThreads':
      state.userThreads.set(r.id, new Set(r.o));
      return;
    case 'sIdem':
      state.idempotency.set(r.k, r.e);
      return;
  }
}
