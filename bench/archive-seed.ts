/**
 * Seeds the archive bench's threads directly into an emulator state directory, in the emulator's own journal
 * format (emulator README, Persistence; the same records its API writes), because posting 110,000 messages over
 * HTTPS would take longer than the measurement itself. The emulator replays the journal at start and then serves
 * these threads through its ordinary API, exactly as if they had been sent one by one.
 *
 * Each thread looks like real traffic: the creation's participantAdded and topicUpdated system messages, text and
 * html of varying length from three members, some metadata, a topic change every 5,000 messages, about 1% of the
 * messages edited and 0.5% deleted.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const JOURNAL = 'acs-emulator-state.jsonl';
const RESOURCE = '00000000-0000-0000-0000-00000000be0c';

export const MEMBER = `8:acs:${RESOURCE}_00000000-0000-0000-0000-000000000001`;
const OTHERS = [2, 3].map((n) => `8:acs:${RESOURCE}_00000000-0000-0000-0000-00000000000${n}`);

export interface SeedThread {
  id: string;
  messages: number;
}

const WORDS =
  'the a meeting notes please review this draft before friday thanks ship it tomorrow looks good to me can we move the call what about budget numbers deploy done blocked waiting on answer'.split(
    ' ',
  );

function text(i: number): string {
  const words: string[] = [];
  const n = 6 + ((i * 7919) % 30);
  for (let k = 0; k < n; k++) words.push(WORDS[(i * 31 + k * 17) % WORDS.length] as string);
  return `${words.join(' ')} (${i})`;
}

/** Writes the journal for `threads` into `dir` (created if needed). */
export async function writeSeedJournal(dir: string, threads: SeedThread[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(join(dir, JOURNAL));
  const write = (r: object): Promise<void> =>
    new Promise((resolve) => (out.write(`${JSON.stringify(r)}\n`) ? resolve() : out.once('drain', resolve)));
  const total = threads.reduce((n, t) => n + t.messages, 0);
  // Ids are ms epochs (unique and increasing); spread the history over the last few weeks, ending now.
  let clock = Date.now() - total * 20 - 60_000;
  const tick = (): number => (clock += 20);
  await write({ t: 'init', resourceId: RESOURCE });
  for (const id of [MEMBER, ...OTHERS]) await write({ t: 'userCreated', id, at: tick() });
  for (const thread of threads) {
    const at = tick();
    const participants = [MEMBER, ...OTHERS].map((id, n) => ({ id, displayName: `Member ${n}`, shareHistoryTime: 0 }));
    await write({ t: 'threadCreated', id: thread.id, topic: 'Bench', at, by: MEMBER, participants, invalid: [] });
    let seq = 0;
    const add = async (r: Record<string, unknown>): Promise<string> => {
      const id = String(tick());
      seq++;
      await write({ t: 'messageAdded', threadId: thread.id, id, at: Number(id), ...r });
      return id;
    };
    await add({ type: 'participantAdded', participants, initiator: MEMBER });
    await add({ type: 'topicUpdated', content: 'Bench', initiator: MEMBER });
    const recent: string[] = [];
    while (seq < thread.messages) {
      const i = seq;
      if (i % 5_000 === 4_999) {
        await add({ type: 'topicUpdated', content: `Bench ${i}`, initiator: MEMBER });
        continue;
      }
      const sender = [MEMBER, ...OTHERS][i % 3] as string;
      const html = i % 9 === 0;
      const id = await add({
        type: html ? 'html' : 'text',
        sender,
        name: `Member ${i % 3}`,
        content: html ? `<p>${text(i)}</p>` : text(i),
        ...(i % 13 === 0 ? { metadata: { source: 'bench', n: String(i) } } : {}),
      });
      recent.push(id);
      if (recent.length > 50) recent.shift();
      // Edit or delete an earlier message now and then, as people do.
      if (i % 100 === 50) {
        await write({
          t: 'messageEdited',
          threadId: thread.id,
          messageId: recent[10],
          at: tick(),
          content: `${text(i)} (edited)`,
        });
      } else if (i % 200 === 120) {
        await write({ t: 'messageDeleted', threadId: thread.id, messageId: recent[20], at: tick() });
      }
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
