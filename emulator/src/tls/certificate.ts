import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** absolute path of the PEM clients must trust */
  caCertPath: string;
  /** a temp directory to remove on close, if we made one */
  tempDir?: string;
}

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

// In-memory emulators (tests) share one generated key pair per process: generation is the slow part of start-up.
let cached: Promise<{ cert: string; key: string }> | undefined;

async function generateLocalhostCert(): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfterDate = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * Uses --cert/--key when given; otherwise a self-signed certificate for localhost + 127.0.0.1, kept in
 * `location` (so it stays the same across restarts) or in a temp directory for in-memory runs.
 */
export async function loadTls(opts: { location?: string; cert?: string; key?: string }): Promise<TlsMaterial> {
  if (opts.cert !== undefined || opts.key !== undefined) {
    if (opts.cert === undefined || opts.key === undefined) throw new Error('--cert and --key must be given together');
    const certPath = path.resolve(opts.cert);
    return {
      cert: readFileSync(certPath, 'utf8'),
      key: readFileSync(path.resolve(opts.key), 'utf8'),
      caCertPath: certPath,
    };
  }
  if (opts.location !== undefined) {
    const dir = path.resolve(opts.location);
    mkdirSync(dir, { recursive: true });
    const certPath = path.join(dir, CERT_FILE);
    const keyPath = path.join(dir, KEY_FILE);
    if (existsSync(certPath) && existsSync(keyPath)) {
      return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), caCertPath: certPath };
    }
    const pems = await generateLocalhostCert();
    writeFileSync(keyPath, pems.key, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
    return { ...pems, caCertPath: certPath };
  }
  cached ??= generateLocalhostCert();
  const pems = await cached;
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'acs-emulator-'));
  const certPath = path.join(tempDir, CERT_FILE);
  writeFileSync(certPath, pems.cert);
  return { ...pems, caCertPath: certPath, tempDir };
}
