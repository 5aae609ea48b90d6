import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';

export interface LatencyOptions {
  /** Added to every API, login and GraphQL request. */
  latencyMs: number;
  /** Added on top for checkout, the slowest legacy path. */
  checkoutLatencyMs: number;
}

const slowed = /^\/(api\/|auth\/|graphql)/;

/** The legacy system's slowness, on purpose: a migrated route should be visibly faster. */
export const legacyLatency = fp<LatencyOptions>(
  async (app, { latencyMs, checkoutLatencyMs }) => {
    if (latencyMs === 0 && checkoutLatencyMs === 0) return;
    app.addHook('onRequest', async (request) => {
      if (!slowed.test(request.url)) return;
      const extra = request.url.startsWith('/api/checkout') ? checkoutLatencyMs : 0;
      if (latencyMs + extra > 0) await sleep(latencyMs + extra);
    });
  },
  { name: 'monolith-legacy-latency' },
);
