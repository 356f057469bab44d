import { readFileSync } from 'node:fs';
import type { EmulatorOptions, RunningEmulator } from '../../src/index';
import { startEmulator } from '../../src/index';

export type { RunningEmulator } from '../../src/index';

/** Starts an in-memory emulator on a free port, quiet unless the caller asks otherwise. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const running = await startEmulator({ port: 0, silent: true, ...options });
  return { ...running, ca: readFileSync(running.caCertPath), close: () => running.close() };
}

export interface TestEmulator extends RunningEmulator {
  /** The PEM the clients must trust, already read. */
  ca: Buffer;
}
