import { createServer } from '@fig/common';
import { parseRules } from '@fig/routing-rules';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Authenticator } from '@fig/common/auth/authenticator';
import { authPlugin } from '../src/plugins/auth.ts';
import { hardeningPlugin } from '../src/plugins/hardening.ts';
import { rateLimitPlugin, type RateLimitPluginOptions } from '../src/plugins/rate-limit.ts';

/**
 * The edge's onRequest chain (context -> hardening -> rate limit -> auth) in front of a handler
 * that echoes what it learnt, for testing the plugins without the proxy.
 */
export async function edgeApp(
  rulesText: string,
  options: {
    authenticator?: Authenticator;
    rateLimit?: RateLimitPluginOptions;
    trustProxy?: boolean | string;
    server?: FastifyServerOptions;
  } = {},
): Promise<FastifyInstance> {
  const parsed = parseRules(rulesText);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const rules = parsed.rules;
  const app = createServer({
    service: 'gateway',
    logLevel: 'silent',
    fastify: { trustProxy: options.trustProxy ?? false, ...options.server },
  });
  app.decorateRequest('fig');
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0];
    request.fig = { path, rules, route: rules.match(request.method, path), scopes: [], clientIp: request.ip };
  });
  await app.register(hardeningPlugin);
  await app.register(rateLimitPlugin, {
    knownSubject: options.authenticator && ((token) => options.authenticator!.knownSubject(token)),
    ...options.rateLimit,
  });
  if (options.authenticator) await app.register(authPlugin, { authenticator: options.authenticator });
  app.all('/*', async (request) => ({
    route: request.fig.route.name,
    bodyBytes: typeof request.body === 'string' ? request.body.length : null,
    subject: request.fig.subject ?? null,
    scopes: request.fig.scopes,
    clientIp: request.fig.clientIp,
    headers: Object.keys(request.headers),
  }));
  await app.ready();
  return app;
}
