/** Health probes for the app's real dependencies. */
import { request } from 'node:https';
import type { StorageClients } from '../storage/clients';
import type { DependencyProbe } from './checkHealth';

/** Storage is up when the table, blob and queue services all answer an authenticated call. */
export function storageProbe(storage: StorageClients): DependencyProbe {
  return {
    name: 'storage',
    async check(abortSignal) {
      await Promise.all([
        storage.tables.listTables().byPage({ maxPageSize: 1 }).next(),
        storage.blobs.getProperties({ abortSignal }),
        storage.queues.getProperties({ abortSignal }),
      ]);
    },
  };
}

/**
 * ACS is up when its endpoint answers over TLS (any HTTP status: the request is deliberately unauthenticated).
 * This proves DNS, network and certificate trust without creating anything in ACS.
 */
export function acsProbe(endpoint: string): DependencyProbe {
  return {
    name: 'acs',
    check: (signal) =>
      new Promise<void>((resolve, reject) => {
        const req = request(new URL('/', endpoint), { method: 'GET', signal }, (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
  };
}
