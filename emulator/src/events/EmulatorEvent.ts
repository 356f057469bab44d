/** An Event Grid (EventGridSchema) event as ACS publishes it for chat. */
export interface EmulatorEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export type EventListener = (event: EmulatorEvent) => void;
