/** Events on Redis Streams: the §3.5 envelope, the outbox relay and consumer groups. */
export { deadLetterStream } from './dead-letter.ts';
export {
  type EventMetadata,
  envelopeProblem,
  eventEnvelopeSchema,
  eventTypePattern,
  type FigEvent,
  newEvent,
} from './envelope.ts';
export type { Logger } from './events-redis.ts';
export type { OutboxEntry, OutboxSource } from './outbox.ts';
export { type OutboxRelay, type OutboxRelayOptions, startOutboxRelay } from './outbox-relay.ts';
export { type StreamConsumer, type StreamConsumerOptions, startStreamConsumer } from './stream-consumer.ts';
