import { hostname } from 'node:os';
import type { DatabaseSync } from 'node:sqlite';
import type { Orders } from '@fig/domain';
import {
  applyOnce,
  type OrderCreatedData,
  orderCreatedProblem,
  orderCreatedType,
  orderFromEvent,
} from '@fig/domain/events';
import type { Observability } from '@fig/platform';
import { type Logger, type StreamConsumer, startStreamConsumer } from '@fig/platform/events';

/** The monolith's consumer group on `checkout.order_created.v1`. */
export const orderEventsGroup = 'monolith';

/**
 * Learns the orders the checkout service places from their stream and records each in the
 * monolith's own database, so GET /api/orders lists it. The stream is trusted for the user id
 * it carries: only Fig's services write to it (docs/events.md).
 */
export function consumeOrderEvents(options: {
  db: DatabaseSync;
  orders: Orders;
  redisUrl: string;
  logger: Logger;
  registry: Observability['registry'];
}): StreamConsumer {
  const { db, orders } = options;
  return startStreamConsumer<OrderCreatedData>({
    redisUrl: options.redisUrl,
    stream: orderCreatedType,
    group: orderEventsGroup,
    consumer: `${hostname()}-${process.pid}`,
    logger: options.logger,
    registry: options.registry,
    validate: orderCreatedProblem,
    apply: async (event) => {
      const order = orderFromEvent(event);
      applyOnce(db, event.event_id, () => {
        // PUT /internal/orders may have recorded it first, or a later status change since: a
        // creation event carries nothing newer, so it only records an order not known yet.
        if (!orders.getMany([order.order_id]).has(order.order_id)) orders.record(order);
      });
    },
  });
}
