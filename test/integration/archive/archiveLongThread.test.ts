/**
 * A thread longer than the re-scan window (2,000 messages), through the real SDKs, emulator, Azurite and local host:
 *  - an old message edited after one run and noted (its event delivered) only after the next run, which covered
 *    its new sequence id without listing it, still reaches the archive;
 *  - the read-back of a several-MB archive streams: chunked, no length known up front, every line right.
 * The event is delivered by hand, as Event Grid delivers a late event, so that it lands exactly between two runs.
 */
import type { EmulatorEvent } from '../../../emulator/src/events/EmulatorEvent';
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import {
  archiveNow,
  createThreadWithMember,
  expectedRecord,
  listAll,
  readBack,
  sendMessages,
  waitForRun,
  type SeededThread,
} from './archiveHelpers';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const chronological = <T extends { sequenceId: string }>(messages: T[]): T[] =>
  [...messages].sort((a, b) => Number(a.sequenceId) - Number(b.sequenceId));

describe('history archive of a thread longer than the re-scan window', () => {
  let stack: AppStack;
  let thread: SeededThread;
  let old: string;
  let oldSequenceId: string;

  beforeAll(async () => {
    stack = await startAppStack(); // no event subscription: the test delivers the one event it needs
    thread = await createThreadWithMember(stack, 'Long thread');
    old = (await thread.member.chat.sendMessage({ content: 'old message' }, { senderDisplayName: 'Member' })).id;
    // A run lists from a minute before the oldest message of its window: the old message must be older than that
    // (this waits for the clock; it proves nothing by itself).
    await sleep(62_000);
    await sendMessages(thread, 2_000, 'window', 2_000); // 2,000 messages of about 2 KB: the whole window
    oldSequenceId = (await thread.member.chat.getMessage(old)).sequenceId;
    const first = await waitForRun(stack, thread.threadId, await archiveNow(stack, thread.threadId));
    const listed = await listAll(thread.member.chat);
    expect(listed.length).toBeGreaterThan(2_000);
    expect(first.lastRun).toMatchObject({ state: 'succeeded', newMessages: listed.length });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('archives an old message’s edit whose event arrives after the run that covered its new sequence id', async () => {
    const events: EmulatorEvent[] = [];
    const unsubscribe = stack.emulator.onEvent((e) => events.push(e));
    await thread.member.chat.updateMessage(old, { content: 'old message, edited' });
    unsubscribe();
    await sendMessages(thread, 1, 'after the edit');
    const edited = events.find((e) => e.eventType === 'Microsoft.Communication.ChatMessageEditedInThread');
    expect(edited?.data['messageId']).toBe(old);

    // The run covers the edit's new sequence id, but no listing from startTime returns a message this old.
    const second = await waitForRun(stack, thread.threadId, await archiveNow(stack, thread.threadId));
    expect(second.lastRun).toMatchObject({ state: 'succeeded', newMessages: 1, changes: 0 });

    // Event Grid delivers the event late (a retry, a slow subscriber): the note lands now.
    const delivery = await fetch(`${stack.host.url}/runtime/webhooks/eventgrid?functionName=acsChatEvents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([edited]),
    });
    expect(delivery.status).toBe(202);

    const third = await waitForRun(stack, thread.threadId, await archiveNow(stack, thread.threadId));
    expect(third.lastRun).toMatchObject({ state: 'succeeded', newMessages: 0, changes: 1 });
    const listed = chronological(await listAll(thread.member.chat));
    const now = listed.find((m) => m.id === old);
    expect(now?.content?.message).toBe('old message, edited');
    const versions = (await readBack(stack, thread.threadId, '?versions=all')).filter((r) => r.id === old);
    expect(versions.map((v) => [v.sequenceId, (v.content as { message?: string }).message])).toEqual([
      [oldSequenceId, 'old message'],
      [now?.sequenceId, 'old message, edited'],
    ]);
    expect(await readBack(stack, thread.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
  }, 300_000);

  it('streams the read-back of a several-MB archive', async () => {
    const res = await fetch(`${stack.host.url}${threadPath(thread.threadId, '/archive/messages?includeSystem=true')}`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(res.status).toBe(200);
    // No length up front: the host passes the body on as the function writes it.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    let text = '';
    let bytes = 0;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(bytes).toBeGreaterThan(4_000_000);
    const lines = text.split('\n').filter((l) => l !== '');
    const listed = chronological(await listAll(thread.member.chat));
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(listed.map(expectedRecord));
  }, 120_000);
});
