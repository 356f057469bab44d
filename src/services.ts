/**
 * The composition root: builds the app's clients once per process from the configuration.
 * Triggers ask for what they need here; domain code receives its clients as arguments.
 */
import { getConfig } from './config';
import { createStorageClients } from './storage/clients';
import type { StorageClients } from './storage/clients';

let storage: Promise<StorageClients> | undefined;

export function getStorage(): Promise<StorageClients> {
  storage ??= createStorageClients(getConfig().storage);
  return storage;
}
