/** The domain's side of events: the node:sqlite outbox, apply-once and the order event. */
export * from './event-tables.ts';
export * from './order-created.ts';
export * from './processed-events.ts';
export * from './sqlite-outbox.ts';
