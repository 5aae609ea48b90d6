import { createServer } from '@fig/platform';
import { parseRules } from '@fig/routing-rules';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import { authPlugin } from '../src/plugins/auth.ts';
import { edgeContextPlugin } from '../src/plugins/edge-context.ts';
import { hardeningPlugin } from '../src/plugins/hardening.ts';
import { rateLimitPlugin } from '../src/plugins/rate-limit.ts';
import { rateLimitStorePlugin, type RateLimitStoreOptions } from '../src/plugins/rate-limit-store.ts';
import type { AuthFailureLimits } from '../src/rate-limit/auth-failure-budget.ts';
import type { RulesSource } from '../src/rules-source.ts';

/**
 * The edge's onRequest chain (context -> hardening -> auth -> rate limit) in front of a handler
 * that echoes what it learnt, for testing the plugins without the proxy.
 */
export async function edgeApp(
  rulesText: string,
  options: {
    authenticator?: Authenticator;
    rateLimit?: RateLimitStoreOptions;
    /** The failed-authentication budget per address; the gateway's default (30 a minute) if absent. */
    authFailures?: AuthFailureLimits;
    trustProxy?: boolean | string;
    server?: FastifyServerOptions;
    /** Registers more on the app after the edge's own plugins (their hooks run later). */
    extend?: (app: FastifyInstance) => void;
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
  // Only the current rules are read per request; reloading is tested with the whole gateway.
  const source: Pick<RulesSource, 'current'> = { current: () => rules };
  await app.register(edgeContextPlugin, { rules: source as RulesSource });
  await app.register(hardeningPlugin);
  await app.register(rateLimitStorePlugin, options.rateLimit ?? {});
  if (options.authenticator) {
    await app.register(authPlugin, {
      authenticator: options.authenticator,
      failures: options.authFailures ?? { max: 30, windowMs: 60_000 },
    });
  } else {
    // The route budget is keyed by what auth learnt; without it every request is anonymous.
    await app.register(fp(async () => {}, { name: 'fig-auth' }));
  }
  await app.register(rateLimitPlugin);
  options.extend?.(app);
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
