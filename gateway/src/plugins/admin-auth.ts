import { errorBody } from '@fig/common';
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * With ADMIN_TOKEN set, every admin route but the health probes needs
 * `Authorization: Bearer <token>` (compared in constant time). Probes stay open so an
 * orchestrator can check liveness without the secret; they reveal nothing. So do the
 * dashboard page and its static assets: a browser cannot send the header on navigation, and
 * the page sends it itself when it fetches the data.
 */
export const adminAuthPlugin = fp<{ token?: string }>(
  async (app, { token }) => {
    if (!token) return;
    const expected = digest(`Bearer ${token}`);
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/health/live' || request.url === '/health/ready') return;
      if (request.url === '/dashboard' || request.url.startsWith('/dashboard/assets/')) return;
      const given = request.headers.authorization;
      if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="fig-admin"')
        .send(errorBody('GW_ERR_ADMIN_UNAUTHORIZED', 'admin token required', request.id));
    });
  },
  { name: 'fig-admin-auth' },
);
