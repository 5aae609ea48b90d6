import { normalisePath } from '@fig/routing-rules';
import fp from 'fastify-plugin';
import { BadPath, NotFound, sendGatewayError } from '../errors.ts';
import { isPrivatePath } from '../private-paths.ts';
import type { RulesSource } from '../rules-source.ts';

/**
 * First onRequest step: normalise the path once (routing, auth and the upstream all see the
 * same spelling), take the rules snapshot this request keeps to the end, match the route.
 */
export const edgeContextPlugin = fp<{ rules: RulesSource }>(
  async (app, { rules }) => {
    app.decorateRequest('fig', null as never);
    // A callback hook: this runs on every request, and a promise per request is measurable.
    app.addHook('onRequest', (request, reply, done) => {
      const normalised = normalisePath(request.url);
      // Answered here, the request goes no further: `done` is not called.
      if (!normalised.ok) return void sendGatewayError(request, reply, new BadPath(normalised.reason));
      if (isPrivatePath(normalised.path))
        return void sendGatewayError(request, reply, new NotFound(normalised.path));
      const snapshot = rules.current();
      // Every field from the start, the later ones undefined: one object shape for all requests,
      // rather than a new hidden class each time a later step adds what it learnt.
      request.fig = {
        path: normalised.path,
        rules: snapshot,
        route: snapshot.match(request.method, normalised.path),
        subject: undefined,
        scopes: [],
        clientIp: request.ip,
        backend: undefined,
        proxyStartedAt: undefined,
        bodyObserver: undefined,
        tapped: undefined,
      };
      done();
    });
  },
  { name: 'fig-edge-context' },
);
