import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { BOT_COMMAND_QUEUE, getBot } from '../services';

export const botCommandMessage = z.object({
  threadId: z.string().min(1),
  messageId: z.string().min(1),
  senderId: z.string(),
  body: z.string(),
  type: z.enum(['text', 'html']),
  postedAt: z.string(),
});

/** Runs one chat command and replies in its thread (see src/bot/bot.ts); a throw retries it through the queue. */
export async function botCommands(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = botCommandMessage.safeParse(message);
  if (!parsed.success) {
    context.error(`Ignoring a malformed ${BOT_COMMAND_QUEUE} message`);
    return;
  }
  await (await getBot()).run(parsed.data);
}

app.storageQueue('botCommands', {
  queueName: BOT_COMMAND_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: botCommands,
});
