/**
 * Runs a Node script as a child that cannot outlive its parent: `node supervise.js SCRIPT [ARGS...]`.
 *
 * The parent spawns it with an IPC channel. When the parent dies, even by SIGKILL with no chance to stop its
 * children, the channel closes and the child stops itself with SIGTERM, so its own graceful shutdown runs.
 */
import Module from 'module';

// The script sees the argv it expects: [node, SCRIPT, ...ARGS].
process.argv.splice(1, 1);
// The channel must not keep the child alive on its own, or a clean stop would never exit.
process.channel?.unref();
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
(Module as unknown as { runMain(): void }).runMain();
