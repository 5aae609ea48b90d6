import type { FastifyBaseLogger } from 'fastify';
import type { Order } from '@fig/domain/orders';
import { type OrderCreatedData, orderCreatedType } from '@fig/domain/events';
import type { OutboxSource } from '@fig/platform/events';
import type { MonolithClient } from '../clients/monolith-client.ts';

/**
 * Delivers the outbox's orders to the monolith over `PUT /internal/orders/:id` (an upsert),
 * for a monolith that does not read the event stream: the same at-least-once relay as the
 * stream's, with HTTP as the target. An order is marked delivered only once the monolith took
 * it; while it refuses or is down the order waits (and the checkout that placed it is long
 * answered). Entries are taken in order and a refusal stops the pass, so none overtakes another.
 */
export function startLegacyOrderDelivery(options: {
  source: OutboxSource;
  order(id: string): Promise<Order | undefined>;
  monolith: MonolithClient;
  intervalMs: number;
  log: FastifyBaseLogger;
}) {
  const { source, log } = options;
  let running: Promise<void> | undefined;
  let again = false;

  async function deliver(): Promise<void> {
    for (;;) {
      const entries = await source.unpublished(50);
      if (entries.length === 0) return;
      const delivered: string[] = [];
      try {
        for (const { sequence, event } of entries) {
          if (event.event_type === orderCreatedType) {
            const order = await options.order((event.data as OrderCreatedData).order_id);
            if (order) {
              const answer = await options.monolith.recordOrder(order, { user: order.user_id });
              if (answer.status >= 300) {
                // A wrong token or a contract mismatch needs an operator; the order waits until then.
                log.error(
                  { order: order.order_id, status: answer.status, body: answer.body },
                  'monolith refused the order',
                );
                return;
              }
            }
          }
          delivered.push(sequence);
        }
      } finally {
        if (delivered.length > 0) await source.markPublished(delivered);
      }
    }
  }

  const pass = () => {
    if (running) {
      again = true;
      return;
    }
    running = deliver()
      .catch((error) => log.warn({ err: error }, 'orders not delivered to the monolith yet; will retry'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          pass();
        }
      });
  };
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  pass();
  return {
    /** An order was just written: deliver it now rather than at the next tick. */
    wake: pass,
    async stop() {
      clearInterval(timer);
      again = false;
      await running;
    },
  };
}
