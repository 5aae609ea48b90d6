import { Gauge, type Registry } from 'prom-client';
import type { CheckoutStore } from '../storage/checkout-store.ts';
import type { SagaStep } from './saga-store.ts';

const steps: SagaStep[] = [
  'reserving',
  'charging',
  'ordering',
  'recording',
  'compensating',
  'done',
  'failed',
];

/**
 * `checkout_sagas{step}`, read from the saga table at scrape time: anything lingering in a
 * middle step means an upstream is down; `done` and `failed` count every saga ever run.
 */
export function registerSagaMetrics(registry: Registry, store: CheckoutStore) {
  new Gauge({
    name: 'checkout_sagas',
    help: 'Checkout sagas by step, from the saga table',
    labelNames: ['step'],
    registers: [registry],
    async collect() {
      const counts = await store.countsByStep();
      for (const step of steps) this.set({ step }, counts[step] ?? 0);
    },
  });
}
