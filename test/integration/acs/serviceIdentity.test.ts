import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { startEmulator } from 'acs-emulator';
import type { RunningEmulator } from 'acs-emulator';
import { createIdentityClient } from '../../../src/acs/identityClient';
import { ServiceIdentity } from '../../../src/acs/serviceIdentity';
import { loadConfig } from '../../../src/config';
import { createStorageClients } from '../../../src/storage/clients';
import { serviceUserTable } from '../../../src/storage/serviceUserTable';
import { startAzurite } from '../../support/azurite';
import type { TestAzurite } from '../../support/azurite';

// The service identity against the real emulator (over HTTPS) and real Azurite, as two app instances would use it.
describe('service identity', () => {
  let azurite: TestAzurite | undefined;
  let emulator: RunningEmulator | undefined;
  let ca: Buffer;

  beforeAll(async () => {
    [azurite, emulator] = await Promise.all([startAzurite(), startEmulator({ port: 0, silent: true })]);
    ca = readFileSync(emulator.caCertPath);
  });

  afterAll(async () => {
    await Promise.all([emulator?.close(), azurite?.stop()]);
  });

  /** One app instance: its own clients, the shared storage account and ACS resource. */
  async function instance(table: string): Promise<ServiceIdentity> {
    const config = loadConfig({
      AzureWebJobsStorage: azurite?.connectionString,
      ACS_CONNECTION_STRING: emulator?.connectionString,
    });
    const [identity, storage] = await Promise.all([
      createIdentityClient(config.acs, { tlsOptions: { ca } }),
      createStorageClients(config.storage),
    ]);
    return new ServiceIdentity(identity, serviceUserTable(storage.table(table)));
  }

  /** Users the emulator holds, from its admin API. */
  function adminUsers(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const req = request(
        new URL('/admin/state', emulator?.endpoint),
        { ca, headers: { 'x-emulator-key': emulator?.accessKey ?? '' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve((JSON.parse(body) as { users: number }).users));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('two instances racing end up with one stored user, and the extra ACS user is deleted', async () => {
    const usersBefore = await adminUsers();
    const [a, b] = await Promise.all([instance('appstaterace'), instance('appstaterace')]);
    const [idA, idB] = await Promise.all([a.userId(), b.userId()]);
    expect(idA).toMatch(/^8:acs:/);
    expect(idB).toBe(idA);
    expect(await (await instance('appstaterace')).userId()).toBe(idA);
    expect(await adminUsers()).toBe(usersBefore + 1);
  });

  it('issues a chat token the chat service accepts', async () => {
    const service = await instance('appstatechat');
    const { token, expiresOn } = await service.token();
    expect(expiresOn.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const chat = new ChatClient(emulator?.endpoint ?? '', new AzureCommunicationTokenCredential(token), {
      tlsOptions: { ca },
    });
    const { chatThread } = await chat.createChatThread({ topic: 'service identity' });
    expect(chatThread?.createdBy).toEqual({ kind: 'communicationUser', communicationUserId: await service.userId() });
  });
});
