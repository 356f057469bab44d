/**
 * The measured process of the archive bench, one job per process so its peak RSS is its own:
 *   prepare                 the app's service user (created once, as the app does), printed as JSON
 *   archive <threadId>      archiveNow through the app's composition root (ARCHIVE_CONTAINER from the environment)
 *   list <threadId>         the bare chat SDK listing the thread in pages of 200, as the service user
 * It prints one JSON line: the figures and this process's peak RSS (VmHWM).
 */
import { readFileSync } from 'node:fs';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { getConfig } from '../src/config';
import { getArchiveService, getChatPort, getServiceIdentity } from '../src/services';

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

/** CPU time of this process (all its threads, the zlib pool included) since `start`. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const [mode, threadId = ''] = process.argv.slice(2);
  const identity = await getServiceIdentity();
  if (mode === 'prepare') {
    process.stdout.write(`${JSON.stringify({ serviceUserId: await identity.userId() })}\n`);
    return;
  }
  if (mode === 'archive') {
    const service = await getArchiveService();
    await (await getChatPort()).serviceUserId(); // token and clients ready before the clock starts
    await identity.token();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const summary = await service.archiveNow(threadId, { trigger: 'bench' });
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(cpu0);
    process.stdout.write(`${JSON.stringify({ ms, cpuMs, summary, peakRssMb: peakRssMb() })}\n`);
    return;
  }
  if (mode === 'list') {
    const { token } = await identity.token();
    const chat = new ChatClient(getConfig().acs.endpoint, new AzureCommunicationTokenCredential(token));
    const thread = chat.getChatThreadClient(threadId);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let messages = 0;
    let pages = 0;
    for await (const page of thread.listMessages({ maxPageSize: 200 }).byPage()) {
      messages += page.length;
      pages++;
    }
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(cpu0);
    process.stdout.write(`${JSON.stringify({ ms, cpuMs, messages, pages, peakRssMb: peakRssMb() })}\n`);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

// Exit explicitly: the chat token credential keeps a refresh timer that would hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
