import fp from 'fastify-plugin';
import type { Shadowing } from './shadowing.ts';

declare module 'fastify' {
  interface FastifyInstance {
    shadowing: Shadowing;
  }
}

/**
 * Shadow traffic on the edge: before the proxy sends a request, a sampled one gets a capture
 * that copies its answer as it arrives; a response tap notes each answer; once the client
 * response is done, every answer is counted per side and sampled
 * requests are sent to the other side and compared.
 */
export const shadowPlugin = fp<{ shadowing: Shadowing }>(
  async (app, { shadowing }) => {
    app.decorate('shadowing', shadowing);
    app.responseTaps.push((request, answer) => shadowing.tap(request, answer));
    // Callback hooks: they run on every request, and a promise each is measurable.
    app.addHook('preHandler', (request, _reply, done) => {
      shadowing.started(request);
      done();
    });
    app.addHook('onResponse', (request, _reply, done) => {
      shadowing.responded(request);
      done();
    });
    app.addHook('onClose', async () => shadowing.close());
  },
  { name: 'fig-shadow', dependencies: ['fig-proxy'] },
);
