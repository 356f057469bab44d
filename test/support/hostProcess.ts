import fs from 'fs';
import os from 'os';
import path from 'path';
import { REPO_ROOT, spawnNode, type NodeChild } from './processes';

export const HOST_CLI = path.join(REPO_ROOT, 'dist', 'localhost', 'cli.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export interface HostProcess extends NodeChild {
  url: string;
  /** JSON lines the fixture functions recorded (see test/fixtures/record.js). */
  records(): Record<string, unknown>[];
}

/** A scratch file for a fixture's FIXTURE_OUT. */
export function tempRecordFile(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `host-${label}-`));
  return path.join(dir, 'records.jsonl');
}

export function readRecords(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Spawns the built host CLI on a fixture app on a free port and waits until it listens.
 * Requires `npm run build` (npm test runs it first).
 */
export async function startHostProcess(
  appDir: string,
  options: { env?: NodeJS.ProcessEnv; args?: string[]; recordFile?: string } = {},
): Promise<HostProcess> {
  if (!fs.existsSync(HOST_CLI)) throw new Error(`${HOST_CLI} is missing: run npm run build first`);
  const recordFile = options.recordFile ?? tempRecordFile(path.basename(appDir));
  const env = { ...process.env, FIXTURE_OUT: recordFile, LOCAL_FUNCTION_KEY: '', ...options.env };
  const child = spawnNode(HOST_CLI, ['--app-dir', appDir, '--port', '0', ...(options.args ?? [])], { env });
  try {
    const match = await child.waitFor(/Functions host listening on (http:\/\/\S+)/, 30_000);
    return { ...child, url: match[1] as string, records: () => readRecords(recordFile) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
