import fs from 'fs';
import os from 'os';
import path from 'path';
import { spawnEmulator, emulatorCli, type RunningEmulatorProcess } from '../../../localhost/stack/emulatorProcess';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { startHostProcess, type HostProcess } from '../../support/hostProcess';
import { REPO_ROOT } from '../../support/processes';

// The real app (repo root, compiled by npm run build) served by the local host.
describe('local host on the real app: GET /api/health', () => {
  let azurite: TestAzurite | undefined;
  let emulator: RunningEmulatorProcess | undefined;
  let host: HostProcess | undefined;
  let location: string;

  beforeAll(async () => {
    const cli = emulatorCli(REPO_ROOT);
    if (!cli) throw new Error('emulator/dist/cli.js is missing: run npm run build');
    location = fs.mkdtempSync(path.join(os.tmpdir(), 'health-emulator-'));
    azurite = await startAzurite();
    emulator = await spawnEmulator({ cliPath: cli, host: '127.0.0.1', port: 0, location, eventWebhooks: [] });
    host = await startHostProcess(REPO_ROOT, {
      env: {
        AzureWebJobsStorage: azurite.connectionString,
        ACS_CONNECTION_STRING: emulator.connectionString,
        NODE_EXTRA_CA_CERTS: emulator.caCertPath,
      },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await emulator?.stop();
    await azurite?.stop();
    if (location) fs.rmSync(location, { recursive: true, force: true });
  });

  it('lists the health function with its route', () => {
    expect(host?.output()).toContain(`health: [GET] ${host?.url}/api/health`);
  });

  it('answers 200 JSON', async () => {
    const res = await fetch(`${host?.url}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ status: 'healthy' });
  });

  it('answers 404 for POST (no route takes that method), as the runtime does', async () => {
    expect((await fetch(`${host?.url}/api/health`, { method: 'POST' })).status).toBe(404);
  });
});
