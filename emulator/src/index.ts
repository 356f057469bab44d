export { startEmulator, WELL_KNOWN_ACCESS_KEY } from './EmulatorServer';
export type { EmulatorOptions, RunningEmulator } from './EmulatorServer';
export type { EmulatorEvent } from './events/EmulatorEvent';
export type { WebhookInput } from './events/webhookConfig';
export type {
  DeliveryListener,
  DeliveryOutcome,
  DeliveryStats,
  ValidationState,
  WebhookStatus,
} from './events/WebhookDelivery';
export type { DeadLetter, EventSchema, WebhookConfig } from './persistence/Outbox';
export type { FaultRule, FaultSpec } from './faults/FaultManager';
export type { OperationName } from './faults/operations';
export { isProcessAlive } from './persistence/processes';
