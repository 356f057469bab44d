import type { CommunicationIdentityClient } from '@azure/communication-identity';
import { identityClient, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { signedRequest } from './support/http';
import { decodeJwt } from './support/jwt';

// Identity operations through the unmodified @azure/communication-identity SDK (reference §4).
describe('identity conformance (SDK api-version 2023-10-01)', () => {
  let emu: TestEmulator;
  let identity: CommunicationIdentityClient;

  beforeAll(async () => {
    emu = await startTestEmulator();
    identity = identityClient(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });

  /** `POST /identities/{id}/:issueAccessToken` signed like the SDK, to see the wire the SDK hides. */
  const issueTokenRaw = (userId: string, body: object): ReturnType<typeof signedRequest> =>
    signedRequest({
      method: 'POST',
      url: `/identities/${encodeURIComponent(userId)}/:issueAccessToken?api-version=2023-10-01`,
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
      body,
    });

  const RAW_ID = /^8:acs:[0-9a-f-]{36}_[0-9a-f-]+$/;

  test('createUser returns an 8:acs: raw id and the wire body has identity only (no accessToken)', async () => {
    const user = await identity.createUser();
    expect(user.communicationUserId).toMatch(RAW_ID);

    const raw = await signedRequest({
      method: 'POST',
      url: '/identities?api-version=2023-10-01',
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
    });
    expect(raw.status).toBe(201);
    const body = raw.json as { identity: { id: string }; accessToken?: unknown };
    expect(body.identity.id).toMatch(RAW_ID);
    expect(body).not.toHaveProperty('accessToken');
  });

  test('user ids are unique', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => identity.createUser()));
    expect(new Set(ids.map((u) => u.communicationUserId)).size).toBe(20);
  });

  test('createUserAndToken returns user, JWT token and expiresOn (default 24 h)', async () => {
    const before = Date.now();
    const res = await identity.createUserAndToken(['chat']);
    expect(res.user.communicationUserId).toMatch(RAW_ID);
    expect(res.expiresOn).toBeInstanceOf(Date);
    // default expiresInMinutes is 1440 (reference §4)
    const minutes = (res.expiresOn.getTime() - before) / 60_000;
    expect(minutes).toBeGreaterThan(1439);
    expect(minutes).toBeLessThanOrEqual(1441);
    const { header, claims } = decodeJwt(res.token);
    expect(header.alg).toBe('HS256');
    // claims per reference §3.2
    expect(`8:${String(claims.skypeid)}`).toBe(res.user.communicationUserId);
    expect(claims.acsScope).toBe('chat');
    expect(typeof claims.iat).toBe('number');
    expect(claims.exp).toBe(Math.floor(res.expiresOn.getTime() / 1000));
    expect(typeof claims.resourceId).toBe('string');
    // Python 1.x decodes with standard base64: payload must not contain - or _
    expect(res.token.split('.')[1]).not.toMatch(/[-_]/);
  });

  test('createUserAndToken honours tokenExpiresInMinutes and multiple scopes', async () => {
    const before = Date.now();
    const res = await identity.createUserAndToken(['chat', 'voip'], { tokenExpiresInMinutes: 60 });
    const minutes = (res.expiresOn.getTime() - before) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(61);
    expect(decodeJwt(res.token).claims.acsScope).toBe('chat,voip');
  });

  test.each(['chat', 'voip', 'chat.join', 'chat.join.limited', 'voip.join'] as const)(
    'getToken with scope %s',
    async (scope) => {
      const user = await identity.createUser();
      const tok = await identity.getToken(user, [scope]);
      expect(decodeJwt(tok.token).claims.acsScope).toBe(scope);
      expect(tok.expiresOn.getTime()).toBeGreaterThan(Date.now());
    },
  );

  test.each([60, 1440])('getToken with the boundary expiry %i minutes', async (m) => {
    const user = await identity.createUser();
    const before = Date.now();
    const tok = await identity.getToken(user, ['chat'], { tokenExpiresInMinutes: m });
    const minutes = (tok.expiresOn.getTime() - before) / 60_000;
    expect(minutes).toBeGreaterThan(m - 1);
    expect(minutes).toBeLessThanOrEqual(m + 1);
  });

  test.each([59, 1441, 0, -5])('getToken with out-of-range expiry %i -> 400', async (m) => {
    const user = await identity.createUser();
    expect(await statusOf(identity.getToken(user, ['chat'], { tokenExpiresInMinutes: m }))).toBe(400);
    expect(await statusOf(identity.createUserAndToken(['chat'], { tokenExpiresInMinutes: m }))).toBe(400);
  });

  test('out-of-range expiry: error body names the field and the range', async () => {
    const user = await identity.createUser();
    const res = await issueTokenRaw(user.communicationUserId, { scopes: ['chat'], expiresInMinutes: 59 });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/expiresInMinutes/);
    expect(res.text).toMatch(/60/);
    expect(res.text).toMatch(/1440/);
  });

  test('getToken wire: issueAccessToken returns {token, expiresOn} with status 200', async () => {
    const user = await identity.createUser();
    const res = await issueTokenRaw(user.communicationUserId, { scopes: ['chat'] });
    expect(res.status).toBe(200);
    const body = res.json as { token: string; expiresOn: string };
    expect(typeof body.token).toBe('string');
    expect(Number.isNaN(Date.parse(body.expiresOn))).toBe(false);
  });

  test('unknown scope -> 400', async () => {
    const user = await identity.createUser();
    const res = await issueTokenRaw(user.communicationUserId, { scopes: ['superpowers'] });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/scopes/i);
  });

  test('revokeTokens then deleteUser succeed; a deleted user cannot get tokens (404)', async () => {
    const user = await identity.createUser();
    await identity.getToken(user, ['chat']);
    await expect(identity.revokeTokens(user)).resolves.toBeUndefined();
    await expect(identity.deleteUser(user)).resolves.toBeUndefined();
    expect(await statusOf(identity.getToken(user, ['chat']))).toBe(404);
  });

  /** A well-formed id of this emulator's resource that was never created. */
  async function ghostOfThisResource(): Promise<{ communicationUserId: string }> {
    const real = (await identity.createUser()).communicationUserId;
    return { communicationUserId: `${real.slice(0, real.indexOf('_'))}_00000000-0000-0000-0000-000000000001` };
  }

  /** The identity the JS SDK suite uses as "not ours": a well-formed id of another resource. */
  const otherResourceUser = {
    communicationUserId: '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000',
  };

  /** `RestError` fields of a rejected SDK call. */
  async function restError(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
    try {
      await p;
    } catch (e) {
      return e as { statusCode?: number; code?: string; message: string };
    }
    throw new Error('expected the call to fail, it succeeded');
  }

  test('deleteUser is idempotent for a deleted user (204) and 404 for an id of this resource that never existed', async () => {
    const user = await identity.createUser();
    await identity.deleteUser(user);
    await expect(identity.deleteUser(user)).resolves.toBeUndefined();
    expect(await statusOf(identity.deleteUser(await ghostOfThisResource()))).toBe(404);
  });

  test('getToken for an unknown user of this resource -> 404', async () => {
    expect(await statusOf(identity.getToken(await ghostOfThisResource(), ['chat']))).toBe(404);
  });

  // Live service (azure-sdk-assets identity recordings, 2023-10-01, JS SDK suite "error cases").
  test.each([
    ['getToken', () => identity.getToken(otherResourceUser, ['chat', 'voip'])],
    ['revokeTokens', () => identity.revokeTokens(otherResourceUser)],
    ['deleteUser', () => identity.deleteUser(otherResourceUser)],
  ] as const)('%s for an identity of another resource -> 401 IdentityNotOwned', async (_name, call) => {
    const e = await restError(call());
    expect(e.statusCode).toBe(401);
    expect(e.code).toBe('IdentityNotOwned');
    expect(e.message).toBe("Provided identity doesn't belong to the resource.");
  });

  test('getToken without scopes -> 400 ValidationError, target scopes, the service message', async () => {
    const user = await identity.createUser();
    const e = await restError(identity.getToken(user, []));
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('ValidationError');
    expect(e.message).toBe('Invalid scopes - Scopes field is required.');
    const raw = await issueTokenRaw(user.communicationUserId, { scopes: [] });
    expect(raw.status).toBe(400);
    expect(raw.headers['content-type']).toBe('application/json');
    expect(raw.json).toEqual({
      error: { code: 'ValidationError', message: 'Invalid scopes - Scopes field is required.', target: 'scopes' },
    });
  });

  test('getTokenForTeamsUser -> clear 4xx (Teams exchange is not emulated)', async () => {
    const status = await statusOf(
      identity.getTokenForTeamsUser({ teamsUserAadToken: 'aad', clientId: 'app', userObjectId: 'obj' }),
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    const raw = await signedRequest({
      method: 'POST',
      url: '/teamsUser/:exchangeAccessToken?api-version=2023-10-01',
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
      body: { token: 'aad', appId: 'app', userId: 'obj' },
    });
    expect(raw.status).toBe(status);
    // a person must learn why from the message
    expect(raw.text.length).toBeGreaterThan(0);
    expect(raw.text).toMatch(/teams/i);
  });
});
