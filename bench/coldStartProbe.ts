/**
 * Child process of the cold-start bench. `functions`: require `@azure/functions` alone. `app`: load the whole app
 * (every module matched by package.json `main`, with their imports) exactly as the local host does.
 * Prints the milliseconds since this process started, once loading is done.
 */
import { join } from 'node:path';
import { loadApp } from '../localhost/worker/loadApp';

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === 'functions') {
    await import('@azure/functions');
  } else if (mode === 'app') {
    const loaded = await loadApp(join(__dirname, '..', '..'), () => undefined);
    if (loaded.registry.functions.size === 0) throw new Error('the app registered no function');
  } else if (mode !== 'node') {
    throw new Error(`unknown mode ${mode ?? ''}`);
  }
  process.stdout.write(`${performance.now()}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
