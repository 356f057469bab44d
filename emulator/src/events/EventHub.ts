import type { EmulatorEvent, EventListener } from './EmulatorEvent';

/** The one place state changes are announced: to `onEvent` listeners and to the webhook deliveries. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: EmulatorEvent[]): void {
    for (const e of events) {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch {
          // A listener's bug must not break the request that caused the event.
        }
      }
    }
  }
}
