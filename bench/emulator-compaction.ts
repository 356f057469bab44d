/**
 * Restart time of a journal full of dead history, before and after the start-up compaction rewrites it: 100,000
 * live messages, 100,000 more in a deleted thread and 100,000 edits, written in the emulator's own record format.
 */
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnEmulator, stopChild } from './emulator-process';

export const COMPACTION_MESSAGES = 100_000;
const JOURNAL = 'acs-emulator-state.jsonl'; // emulator README, Persistence

async function writeHistory(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (r: object): Promise<void> =>
    new Promise((resolve) => (out.write(JSON.stringify(r) + '\n') ? resolve() : out.once('drain', resolve)));
  const t0 = Date.now() - 10 * 86_400_000;
  const user = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001';
  await write({ t: 'init', resourceId: '00000000-0000-0000-0000-000000000000' });
  await write({ t: 'userCreated', id: user, at: t0 });
  const live = '19:bench-live@thread.v2';
  const dead = '19:bench-dead@thread.v2';
  let clock = t0;
  for (const id of [live, dead]) {
    await write({ t: 'threadCreated', id, topic: id, at: ++clock, by: user, participants: [], invalid: [] });
    await write({
      t: 'participantsAdded',
      threadId: id,
      by: user,
      at: clock,
      participants: [{ id: user, shareHistoryTime: 0 }],
    });
    for (let i = 0; i < COMPACTION_MESSAGES; i++) {
      const content = `message ${i} ${'x'.repeat(80)}`;
      await write({
        t: 'messageAdded',
        threadId: id,
        id: String(++clock),
        type: 'text',
        at: clock,
        sender: user,
        content,
      });
    }
  }
  await write({ t: 'threadDeleted', threadId: dead, by: user, at: ++clock });
  for (let i = 0; i < COMPACTION_MESSAGES; i++) {
    const messageId = String(t0 + 2 + i);
    await write({ t: 'messageEdited', threadId: live, messageId, at: ++clock, content: `edited ${i}` });
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function timeStart(location: string, tls: string[]): Promise<number> {
  const t0 = performance.now();
  const emu = await spawnEmulator([...tls, '--location', location]);
  const ms = performance.now() - t0;
  await stopChild(emu);
  return ms;
}

export async function measureCompaction(
  dir: string,
  tls: string[],
): Promise<{ beforeMs: number; afterMs: number; beforeMb: number; afterMb: number }> {
  const location = join(dir, 'compaction');
  mkdirSync(location, { recursive: true });
  const file = join(location, JOURNAL);
  await timeStart(location, tls); // without --cert the first start creates the certificate: not part of the figure
  await writeHistory(file);
  const beforeMb = statSync(file).size / 2 ** 20;
  const beforeMs = await timeStart(location, tls); // replays everything, then rewrites the journal
  const afterMb = statSync(file).size / 2 ** 20;
  const afterMs = await timeStart(location, tls); // loads the snapshot
  return { beforeMs, afterMs, beforeMb, afterMb };
}
