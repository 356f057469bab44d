import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { freePort, PortTakenError } from '../../../localhost/ports';
import { startStack, type RunningStack } from '../../../localhost/stack';
import { descendants, eventually, isAlive, REPO_ROOT } from '../../support/processes';

// npm start's orchestration, driven programmatically on free ports with a temporary data directory.
describe('local stack (npm start): Azurite + ACS emulator + Functions host', () => {
  let stack: RunningStack | undefined;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    const ports = {
      blob: await freePort(),
      queue: await freePort(),
      table: await freePort(),
      emulator: await freePort(),
      functions: await freePort(),
    };
    stack = await startStack({ appDir: REPO_ROOT, dataDir, ports, log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await stack?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves GET /api/health as 200 JSON with storage and ACS up', async () => {
    const res = await fetch(`${stack?.functionsUrl}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ status: 'healthy', down: [] });
  });

  it('keeps Azurite and emulator data under the data directory', () => {
    expect(fs.readdirSync(path.join(dataDir, 'azurite')).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dataDir, 'emulator', 'cert.pem'))).toBe(true);
    expect(stack?.emulator?.caCertPath).toBe(path.join(dataDir, 'emulator', 'cert.pem'));
  });

  it('stops every child process (and their children) on close', async () => {
    const running = stack as RunningStack;
    const pids = running.pids();
    expect(pids).toHaveLength(3);
    const tree = pids.flatMap((pid) => [pid, ...descendants(pid)]);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    await running.close();
    await eventually(
      () => tree.filter(isAlive),
      (alive) => alive.length === 0,
      5000,
      'all stack processes to exit',
    );
    expect(descendants(process.pid).filter((pid) => tree.includes(pid))).toEqual([]);
  });
});

describe('local stack: a port already in use', () => {
  it('fails with a message naming the port and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const before = descendants(process.pid);
    try {
      const ports = {
        blob: await freePort(),
        queue: await freePort(),
        table: await freePort(),
        emulator: taken,
        functions: 0,
      };
      const attempt = startStack({
        dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'stack-')),
        ports,
        log: () => undefined,
      });
      await expect(attempt).rejects.toThrow(PortTakenError);
      await expect(attempt).rejects.toThrow(`Port ${taken} (ACS emulator) is already in use`);
      expect(descendants(process.pid).filter((pid) => !before.includes(pid))).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
