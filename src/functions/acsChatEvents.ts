import { app } from '@azure/functions';
import type { EventGridEvent, InvocationContext } from '@azure/functions';
import { handleChatEvent } from '../bot/chatEvents';
import { getChatEventDeps } from '../services';

/**
 * ACS chat events from the Event Grid subscription (infra/modules/event-subscription.bicep names this function).
 * Answers fast: commands go to the bot's queue, edits and deletions to the archive's change notes.
 */
export async function acsChatEvents(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const { outcome, why } = await handleChatEvent(
    { id: event.id, eventType: event.eventType, eventTime: event.eventTime, data: event.data },
    await getChatEventDeps(),
  );
  context.log(`${event.eventType} ${event.id}: ${outcome}${why ? ` (${why})` : ''}`);
}

app.eventGrid('acsChatEvents', { handler: acsChatEvents });
