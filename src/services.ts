/**
 * The composition root: builds the app's clients once per process from the configuration.
 * Triggers ask for what they need here; domain code receives its clients as arguments.
 */
import { createIdentityClient } from './acs/identityClient';
import { ServiceIdentity } from './acs/serviceIdentity';
import { getConfig } from './config';
import { createStorageClients } from './storage/clients';
import type { StorageClients } from './storage/clients';
import { serviceUserTable } from './storage/serviceUserTable';

/** The table that holds small app-wide state, such as the service user's id. */
export const APP_STATE_TABLE = 'appstate';

let storage: Promise<StorageClients> | undefined;
let serviceIdentity: Promise<ServiceIdentity> | undefined;

export function getStorage(): Promise<StorageClients> {
  storage ??= createStorageClients(getConfig().storage);
  return storage;
}

export function getServiceIdentity(): Promise<ServiceIdentity> {
  serviceIdentity ??= (async () => {
    const [identity, clients] = await Promise.all([createIdentityClient(getConfig().acs), getStorage()]);
    return new ServiceIdentity(identity, serviceUserTable(clients.table(APP_STATE_TABLE)));
  })();
  return serviceIdentity;
}
