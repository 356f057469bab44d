import { app } from '@azure/functions';
import { asAcsError } from '../acs/acsErrors';
import { createUser as operation } from '../api/threads';
import { handleOperation, httpTrigger } from '../http/operation';
import { getIdentityClient } from '../services';

export const createUser = handleOperation(operation, async ({ body }) => {
  const identity = await getIdentityClient();
  const created = await identity
    .createUserAndToken(['chat'], body?.expiresInMinutes ? { tokenExpiresInMinutes: body.expiresInMinutes } : {})
    .catch((error: unknown) => {
      throw asAcsError(error);
    });
  return {
    status: 201,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      userId: created.user.communicationUserId,
      token: created.token,
      expiresOn: created.expiresOn.toISOString(),
    },
  };
});

app.http('createUser', { ...httpTrigger(operation), handler: createUser });
