import type { ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';
import { stopChild, waitForLine } from './processTree';
import { spawnSupervised } from './spawnSupervised';

export interface RunningEmulatorProcess {
  child: ChildProcess;
  endpoint: string;
  connectionString: string;
  caCertPath: string;
  /** The web inspector with its session token (the emulator's fourth start line). */
  inspectorUrl: string;
  stop(): Promise<void>;
}

export interface EmulatorProcessOptions {
  cliPath: string;
  host: string;
  port: number;
  location: string;
  eventWebhooks: string[];
  onOutput?: (line: string) => void;
}

/** Where the built emulator CLI lives, if it has been built. */
export function emulatorCli(repoRoot: string): string | undefined {
  const cli = path.join(repoRoot, 'emulator', 'dist', 'cli.js');
  return fs.existsSync(cli) ? cli : undefined;
}

function forwardLines(child: ChildProcess, onOutput: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) onOutput(line);
    });
  }
}

/** Starts the ACS emulator CLI and parses its start lines (listening URL, connection string, CA path, inspector). */
export async function spawnEmulator(options: EmulatorProcessOptions): Promise<RunningEmulatorProcess> {
  const args = ['--host', options.host, '--port', String(options.port), '--location', options.location];
  for (const url of options.eventWebhooks) args.push('--event-webhook', url);
  const child = spawnSupervised(options.cliPath, args);
  const timeout = 30_000;
  try {
    const [listening, connection, ca, inspector] = await Promise.all([
      waitForLine(child, /^ACS emulator listening on (https:\/\/\S+)/, timeout, 'ACS emulator'),
      waitForLine(child, /^Connection string: (\S+)/, timeout, 'ACS emulator'),
      waitForLine(child, /^CA certificate: (.+)$/, timeout, 'ACS emulator'),
      waitForLine(child, /^Inspector: (https:\/\/\S+)/, timeout, 'ACS emulator'),
    ]);
    if (options.onOutput) forwardLines(child, options.onOutput);
    else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    return {
      child,
      endpoint: listening[1] as string,
      connectionString: connection[1] as string,
      caCertPath: (ca[1] as string).trim(),
      inspectorUrl: inspector[1] as string,
      stop: () => stopChild(child, 10_000),
    };
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
}

export { forwardLines };
