import { errorBody } from '@fig/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticator } from '../auth/authenticator.ts';
import { bearerChallenge, bearerToken } from '../auth/bearer.ts';

export interface AuthPluginOptions {
  authenticator: Authenticator;
}

function challenge(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  params: Record<string, string>,
) {
  const code = status === 403 ? 'GW_ERR_INSUFFICIENT_SCOPE' : 'GW_ERR_UNAUTHENTICATED';
  return reply
    .code(status)
    .header('www-authenticate', bearerChallenge(params))
    .type('application/json')
    .send(errorBody(code, params.error_description ?? 'authentication required', request.id));
}

/**
 * Per route `auth`: `required` needs a valid token, `optional` accepts none but never a bad
 * one, `none` ignores the header (it is still forwarded). Sets `request.fig.subject/scopes`.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { authenticator }) => {
    app.addHook('onRequest', async (request, reply) => {
      const { route } = request.fig;
      if (route.auth === 'none') return;
      const bearer = bearerToken(request.headers);
      if (bearer.kind === 'none') {
        if (route.auth === 'optional') return;
        return challenge(request, reply, 401, {});
      }
      if (bearer.kind === 'malformed') {
        return challenge(request, reply, 401, {
          error: 'invalid_request',
          error_description: 'authorization is not a bearer token',
        });
      }
      const outcome = await authenticator.authenticate(bearer.token);
      if (!outcome.ok && outcome.status === 503) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send(errorBody('GW_ERR_AUTH_UNAVAILABLE', 'token verification unavailable', request.id));
      }
      if (!outcome.ok) {
        return challenge(request, reply, 401, {
          error: 'invalid_token',
          error_description: outcome.description,
        });
      }
      const required = route.scopes ?? [];
      const missing = required.filter((scope) => !outcome.token.scopes.includes(scope));
      if (missing.length > 0) {
        return challenge(request, reply, 403, {
          error: 'insufficient_scope',
          error_description: 'token lacks a required scope',
          scope: required.join(' '),
        });
      }
      request.fig.subject = outcome.token.subject;
      request.fig.scopes = outcome.token.scopes;
    });
  },
  { name: 'fig-auth', dependencies: ['fig-rate-limit'] },
);
