import { spawn, type ChildProcess } from 'child_process';
import path from 'path';

const SUPERVISOR = path.join(__dirname, 'supervise.js');

/**
 * Spawns `node script ...args` with piped output, so that the child stops when this process dies (see
 * supervise.ts). Every long-running child of `npm start` is started this way.
 */
export function spawnSupervised(
  script: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  cwd?: string,
): ChildProcess {
  // Under jest this module runs from TypeScript source; the supervisor itself always runs compiled.
  const supervisor = __filename.endsWith('.ts')
    ? path.join(__dirname, '..', '..', 'dist', 'localhost', 'stack', 'supervise.js')
    : SUPERVISOR;
  return spawn(process.execPath, [supervisor, script, ...args], {
    env: env ?? process.env,
    ...(cwd ? { cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}
