import { Counter, Gauge, type Registry } from 'prom-client';

// One set per registry, like the HTTP histogram: several relays or consumers in one process
// (or one test) share the metrics of their registry instead of clashing on names.
const relayMetrics = new WeakMap<Registry, ReturnType<typeof createRelayMetrics>>();
const consumerMetrics = new WeakMap<Registry, ReturnType<typeof createConsumerMetrics>>();

function createRelayMetrics(registers: Registry[]) {
  return {
    backlog: new Gauge({
      name: 'events_outbox_backlog',
      help: 'Outbox entries still unpublished after the last round (counted up to one batch)',
      registers,
    }),
    lag: new Gauge({
      name: 'events_outbox_lag_seconds',
      help: 'Age of the oldest unpublished outbox entry at the last poll; 0 when none waits',
      registers,
    }),
    published: new Counter({
      name: 'events_published_total',
      help: 'Outbox entries appended to their stream and marked published, by stream',
      labelNames: ['stream'],
      registers,
    }),
    errors: new Counter({
      name: 'events_relay_errors_total',
      help: 'Relay rounds that failed (Redis or the outbox unavailable); the entries wait and are retried',
      registers,
    }),
  };
}

function createConsumerMetrics(registers: Registry[]) {
  return {
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Stream entries a consumer finished, by stream, group and outcome (applied | parked)',
      labelNames: ['stream', 'group', 'outcome'],
      registers,
    }),
    applyFailures: new Counter({
      name: 'events_apply_failures_total',
      help: 'Applies that threw; the entry stays pending and is retried until maxDeliveries',
      labelNames: ['stream', 'group'],
      registers,
    }),
    errors: new Counter({
      name: 'events_consumer_errors_total',
      help: 'Consumer rounds that failed on Redis; the consumer backs off and reconnects',
      labelNames: ['stream', 'group'],
      registers,
    }),
  };
}

function once<M>(
  cache: WeakMap<Registry, M>,
  registry: Registry | undefined,
  create: (r: Registry[]) => M,
): M {
  if (!registry) return create([]); // nobody scrapes them: counted, never exported
  let metrics = cache.get(registry);
  if (!metrics) {
    metrics = create([registry]);
    cache.set(registry, metrics);
  }
  return metrics;
}

export const outboxRelayMetrics = (registry?: Registry) => once(relayMetrics, registry, createRelayMetrics);
export const streamConsumerMetrics = (registry?: Registry) =>
  once(consumerMetrics, registry, createConsumerMetrics);
