import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { hardeningPlugin } from '../src/plugins/hardening.ts';
import { rateLimitPlugin } from '../src/plugins/rate-limit.ts';

// Both read `request.fig`, which only the edge-context plugin sets: registered without it,
// the gateway must refuse to start rather than fail on the first request.
describe('plugins that read the edge context', () => {
  it.each([
    ['fig-hardening', hardeningPlugin],
    ['fig-rate-limit', rateLimitPlugin],
  ])('%s will not start without fig-edge-context', async (_name, plugin) => {
    const app = Fastify();
    app.register(plugin as never, {});
    await expect(app.ready()).rejects.toThrow(/fig-edge-context/);
    await app.close();
  });
});
