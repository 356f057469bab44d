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
 * ACS is up when its endpoint answers over TLS and the app holds a chat token for its service user. The token is
 * reused until it nears expiry, so most checks cost one unauthenticated round trip; the first one creates the
 * service user if no instance has yet.
 */
export function acsProbe(endpoint: string, chatToken: () => Promise<unknown>): DependencyProbe {
  return {
    name: 'acs',
    async check(signal) {
      await Promise.all([reach(endpoint, signal), chatToken()]);
    },
  };
}

/** Any HTTP answer proves DNS, network and certificate trust; the request is deliberately unauthenticated. */
function reach(endpoint: string, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = request(new URL('/', endpoint), { method: 'GET', signal }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
