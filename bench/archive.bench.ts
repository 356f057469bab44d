/**
 * History archive bench. In one run, against real Azurite and the emulator CLI (child processes):
 *  1. archiving a 100,000-message thread from scratch (archiveNow: list, gzip, upload, manifest commits), and
 *  2. listing the same thread with the bare chat SDK in pages of 200, rounds interleaved;
 *  3. archive time ÷ listing time (target ≤ 1.25);
 *  4. peak RSS of the archiving process for a 10,000- and a 100,000-message thread (target: difference < 10 MB).
 * Each archive and each listing runs in a fresh process (bench/archive-child.ts), so its VmHWM is its own.
 * The threads are seeded into the emulator's journal (bench/archive-seed.ts); the service user joins them through
 * the SDK as a member would add it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { spawnAzurite, type RunningAzurite } from '../localhost/stack/azurite';
import { MEMBER, writeSeedJournal } from './archive-seed';
import { spawnEmulator, stopChild, type EmulatorChild } from './emulator-process';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';

const run = promisify(execFile);
const CHILD = join(__dirname, 'archive-child.js');
const BIG = { id: '19:benchArchive100k0000000000000000000000000000@thread.v2', messages: 100_000 };
const SMALL = { id: '19:benchArchive10k00000000000000000000000000000@thread.v2', messages: 10_000 };
const ROUNDS = 5;

interface ChildEnv {
  azurite: RunningAzurite;
  emulator: EmulatorChild;
}

async function child<T>(env: ChildEnv, args: string[], container = 'bench-archive'): Promise<T> {
  const { stdout } = await run(process.execPath, [CHILD, ...args], {
    env: {
      ...process.env,
      AzureWebJobsStorage: env.azurite.connectionString,
      ACS_CONNECTION_STRING: env.emulator.connectionString,
      NODE_EXTRA_CA_CERTS: env.emulator.caCertPath,
      ARCHIVE_CONTAINER: container,
    },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

interface ArchiveFigures {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  summary: { outcome: string; newMessages: number; records: number; parts: number; pages: number };
}
interface ListFigures {
  ms: number;
  cpuMs: number;
  messages: number;
  pages: number;
  peakRssMb: number;
}

export const archiveBench: Bench = {
  name: 'archive',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'archive-bench-'));
    const stops: (() => Promise<void>)[] = [];
    try {
      const state = join(dir, 'emulator');
      await writeSeedJournal(state, [SMALL, BIG]);
      const azurite = await spawnAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
      stops.push(() => azurite.stop());
      const emulator = await spawnEmulator(['--location', state]);
      stops.push(() => stopChild(emulator));
      const env = { azurite, emulator };

      // The app's service user joins both threads, added by a member through the SDK.
      const { serviceUserId } = await child<{ serviceUserId: string }>(env, ['prepare']);
      const ca = readFileSync(emulator.caCertPath);
      const identity = new CommunicationIdentityClient(emulator.connectionString, { tlsOptions: { ca } });
      const { token } = await identity.getToken({ communicationUserId: MEMBER }, ['chat']);
      const member = new ChatClient(emulator.endpoint, new AzureCommunicationTokenCredential(token), {
        tlsOptions: { ca },
      });
      for (const thread of [SMALL, BIG]) {
        await member
          .getChatThreadClient(thread.id)
          .addParticipants({ participants: [{ id: { communicationUserId: serviceUserId }, displayName: 'Bot' }] });
      }

      await child<ListFigures>(env, ['list', BIG.id]); // warm the file cache and the emulator's JIT
      const lists: ListFigures[] = [];
      const archives: ArchiveFigures[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        lists.push(await child<ListFigures>(env, ['list', BIG.id]));
        // A fresh container each round: every archive is a full first run of the thread.
        archives.push(await child<ArchiveFigures>(env, ['archive', BIG.id], `bench-big-${r}`));
      }
      const small = await child<ArchiveFigures>(env, ['archive', SMALL.id], 'bench-small');
      for (const a of [...archives, small]) {
        if (a.summary.outcome !== 'succeeded') throw new Error(`archive run ended ${a.summary.outcome}`);
      }
      const listed = lists[0]?.messages ?? 0;
      if (archives.some((a) => a.summary.newMessages !== listed)) {
        throw new Error(`archive and listing disagree: ${archives.map((a) => a.summary.newMessages)} vs ${listed}`);
      }

      const listMs = median(lists.map((l) => l.ms));
      const archiveMs = median(archives.map((a) => a.ms));
      const bigRss = median(archives.map((a) => a.peakRssMb));
      const note = `median of ${ROUNDS} interleaved rounds`;
      const big = archives[0]?.summary;
      return [
        {
          name: `list ${listed} messages (bare SDK)`,
          value: round(listMs, 0),
          unit: 'ms',
          note: `pages of 200: ${lists[0]?.pages} pages; ${note}`,
        },
        {
          name: `archive ${listed} messages`,
          value: round(archiveMs, 0),
          unit: 'ms',
          note: `first run: ${big?.pages} pages, ${big?.parts} parts, ${big?.records} records; ${note}`,
        },
        { name: 'archive ÷ listing', value: round(archiveMs / listMs), unit: 'ratio', note: 'target ≤ 1.25' },
        {
          name: 'archive ÷ listing, CPU time',
          value: round(median(archives.map((a) => a.cpuMs)) / median(lists.map((l) => l.cpuMs))),
          unit: 'ratio',
          note: 'process CPU (all threads): less sensitive to a busy machine',
        },
        { name: `peak RSS, archive of ${small.summary.newMessages}`, value: round(small.peakRssMb, 1), unit: 'MB' },
        { name: `peak RSS, archive of ${listed}`, value: round(bigRss, 1), unit: 'MB', note: 'VmHWM of the process' },
        {
          name: 'peak RSS difference',
          value: round(bigRss - small.peakRssMb, 1),
          unit: 'MB',
          note: 'target < 10 MB',
        },
        {
          name: 'peak RSS, bare SDK listing',
          value: round(median(lists.map((l) => l.peakRssMb)), 1),
          unit: 'MB',
          note: 'for scale',
        },
      ];
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
