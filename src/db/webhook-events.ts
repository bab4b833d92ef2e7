// The event types a webhook can subscribe to (`lcm webhook add --events …`). A webhook
// without a list gets the change events only: a confirmation code goes solely to the
// endpoints that asked for it by name (the operator's SMS gateway).
export const CHANGE_EVENT = 'participant.changed';
export const CONFIRMATION_CODE_EVENT = 'participant.confirmation_code';

export const EVENT_TYPES = [CHANGE_EVENT, CONFIRMATION_CODE_EVENT] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/** The SQL LIKE pattern that finds a type in the stored JSON array. */
export function subscribedPattern(type: EventType): string {
  return `%"${type}"%`;
}
