/**
 * The ACS identity client: the connection string locally (the emulator), the endpoint and managed identity in
 * Azure. The SDK is imported on first use to keep the app's start-up light.
 */
import type { CommunicationIdentityClient, CommunicationIdentityClientOptions } from '@azure/communication-identity';
import type { AcsConfig } from '../config';

export async function createIdentityClient(
  config: AcsConfig,
  options: CommunicationIdentityClientOptions = {},
): Promise<CommunicationIdentityClient> {
  const { CommunicationIdentityClient } = await import('@azure/communication-identity');
  if (config.kind === 'connectionString') return new CommunicationIdentityClient(config.connectionString, options);
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential(config.clientId ? { managedIdentityClientId: config.clientId } : {});
  return new CommunicationIdentityClient(config.endpoint, credential, options);
}
