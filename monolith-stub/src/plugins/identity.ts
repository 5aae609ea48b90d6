import { sendError } from '@fig/common';
import { isClientError } from '@fig/common/domain/index';
import fp from 'fastify-plugin';
import type { Tokens } from '../auth/tokens.ts';

// Where a stale Authorization header must not lock a client out of logging in again.
const publicPaths = /^\/(auth\/|\.well-known\/|health\/|metrics$)/;

/**
 * Identity for the domain routes is the `x-user-id` header. Behind the gateway that header is
 * already set from a verified token and trusted as is; a client talking to the monolith
 * directly (the tour, scripts) sends `Authorization: Bearer`, verified here against the
 * monolith's own keys and turned into the same header.
 */
export const identity = fp<{ tokens: Tokens }>(
  async (app, { tokens }) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-user-id'] || publicPaths.test(request.url)) return;
      const authorization = request.headers.authorization;
      if (!authorization) return;
      const [scheme, token] = authorization.split(' ');
      try {
        if (scheme?.toLowerCase() !== 'bearer' || !token) throw new Error('not a bearer token');
        request.headers['x-user-id'] = await tokens.verify(token);
      } catch (error) {
        const message = isClientError(error)
          ? error.message
          : 'the Authorization header is not a Bearer token';
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return sendError(reply, 401, 'INVALID_TOKEN', message);
      }
    });
  },
  { name: 'monolith-identity' },
);
