import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminUnauthorized, sendGatewayError } from '../errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests, so neither the time taken nor a length mismatch says anything about the token. */
const matches = (given: string | undefined, expected: Buffer | undefined) =>
  given !== undefined && expected !== undefined && timingSafeEqual(digest(given), expected);

/**
 * With ADMIN_TOKEN set, every admin route but the health probes needs
 * `Authorization: Bearer <token>` (compared in constant time). Probes stay open so an
 * orchestrator can check liveness without the secret; they reveal nothing. So do the
 * dashboard page and its static assets: a browser cannot send the header on navigation, and
 * the page sends it itself when it fetches the data. METRICS_TOKEN, when set, opens
 * `/metrics` and nothing else, so a scraper's credential never reads rules or comparisons.
 * Neither token is ever logged: Fastify's request log has no headers.
 */
export const adminAuthPlugin = fp<{ token?: string; metricsToken?: string }>(
  async (app, { token, metricsToken }) => {
    if (!token) return;
    const expected = digest(`Bearer ${token}`);
    const expectedMetrics = metricsToken ? digest(`Bearer ${metricsToken}`) : undefined;
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/health/live' || request.url === '/health/ready') return;
      if (request.url === '/dashboard' || request.url.startsWith('/dashboard/assets/')) return;
      const given = request.headers.authorization;
      if (matches(given, expected)) return;
      // By the route matched, not the URL's spelling: `/metrics?x` is still only the metrics.
      if (request.routeOptions.url === '/metrics' && matches(given, expectedMetrics)) return;
      reply.header('www-authenticate', 'Bearer realm="fig-admin"');
      return sendGatewayError(request, reply, new AdminUnauthorized());
    });
  },
  { name: 'fig-admin-auth' },
);
