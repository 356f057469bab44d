/** The app's storage queues as a test observes them, through the real queue SDK against the test's Azurite. */
import { QueueServiceClient } from '@azure/storage-queue';
import type { AppStack } from './appStack';

/**
 * Messages on one of the app's queues, those not visible yet (delayed) or being handled included: a message is
 * deleted only once its function has succeeded (or moved to the poison queue), so 0 means nothing is left to run.
 */
export async function queueLength(stack: AppStack, queueName: string): Promise<number> {
  const queue = QueueServiceClient.fromConnectionString(stack.azurite.connectionString).getQueueClient(queueName);
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}
