import { spawnAzurite, type RunningAzurite } from '../../localhost/stack/azurite';

export type TestAzurite = RunningAzurite;

/**
 * Azurite in memory on free ports, for one test file. Always pair with `await azurite.stop()` in afterAll;
 * stop() waits for the process to exit and kills it if it does not within 10 s.
 */
export function startAzurite(): Promise<TestAzurite> {
  return spawnAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
}
