/**
 * Runs a program that is not a Node script (the Azure Functions runtime: `dotnet` and the Node worker it starts) as
 * a child that cannot outlive its parent: `node superviseCommand.js COMMAND [ARGS...]`.
 *
 * The program runs in a process group of its own, so that its whole tree (the host and its language worker) is
 * signalled together. The first line this prints is `supervising pid N`: N is that group, which a test kills with
 * SIGKILL to crash the runtime as a lost machine would. SIGTERM, SIGINT or the parent's death (the IPC channel
 * closes) stop the group gracefully, then with SIGKILL after ten seconds; this process exits as the program did.
 */
import { spawn } from 'child_process';
import { constants } from 'os';

const STOP_GRACE_MS = 10_000;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: superviseCommand COMMAND [ARGS...]');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit', detached: true });
const group = child.pid;
if (group === undefined) {
  console.error(`could not start ${command}`);
  process.exit(1);
}
console.log(`supervising pid ${group}`);

const signalGroup = (signal: NodeJS.Signals): void => {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is gone already
  }
};

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
process.channel?.unref();
process.once('disconnect', stop);

child.once('error', (error) => {
  console.error(`could not start ${command}: ${error.message}`);
  process.exit(1);
});
child.once('exit', (code, signal) => {
  // Whatever the program left in its group (a worker it did not stop) goes with it.
  signalGroup('SIGKILL');
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});
