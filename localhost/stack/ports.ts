import net from 'net';

export class PortTakenError extends Error {
  constructor(
    readonly port: number,
    readonly service: string,
  ) {
    super(`Port ${port} (${service}) is already in use. Stop whatever listens there, then run npm start again.`);
    this.name = 'PortTakenError';
  }
}

/** Resolves when `port` can be bound on `host`; rejects with PortTakenError naming the port otherwise. */
export function ensurePortFree(port: number, host: string, service: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortTakenError(port, service) : err);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** A port that was free a moment ago (for tests that must know ports before starting servers). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
