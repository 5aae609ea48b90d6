import { errorBody } from '@fig/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Authenticator } from '../auth/authenticator.ts';
import { type BearerToken, bearerChallenge, bearerToken } from '../auth/bearer.ts';
import type { VerifiedToken } from '../auth/token-cache.ts';

export interface AuthPluginOptions {
  authenticator: Authenticator;
}

/**
 * Per route `auth`: `required` needs a valid token, `optional` accepts none but never a bad
 * one, `none` ignores the header (it is still forwarded). Route `scopes` must all be granted.
 * Sets `request.fig.subject/scopes`. Runs after rate limiting, so floods are cut before
 * any signature is checked.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { authenticator }) => {
    const registers = [app.observability.registry];
    const rejections = new Counter({
      name: 'gateway_auth_rejections_total',
      help: 'Requests refused by authentication, by status and reason',
      labelNames: ['status', 'reason'],
      registers,
    });
    new Counter({
      name: 'gateway_jwks_fetches_total',
      help: 'JWKS fetch attempts by outcome (a failed fetch keeps the last keys)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { ok, failed } = authenticator.keys.fetches();
        this.reset();
        this.inc({ outcome: 'ok' }, ok);
        this.inc({ outcome: 'failed' }, failed);
      },
    });

    const challenge = (
      request: FastifyRequest,
      reply: FastifyReply,
      status: 401 | 403,
      params: Record<string, string>,
    ) => {
      const description = params.error_description ?? 'authentication required';
      rejections.inc({ status, reason: description });
      return reply
        .code(status)
        .header('www-authenticate', bearerChallenge(params))
        .type('application/json')
        .send(
          errorBody(
            status === 403 ? 'GW_ERR_INSUFFICIENT_SCOPE' : 'GW_ERR_UNAUTHENTICATED',
            description,
            request.id,
          ),
        );
    };

    app.addHook('onReady', async () => {
      if (!(await authenticator.warmUp()))
        app.log.warn('no signing keys yet: tokens get 503 until the JWKS answers');
    });

    /** A verified token still has to carry the route's scopes (else 403). */
    const admit = (request: FastifyRequest, reply: FastifyReply, token: VerifiedToken): void => {
      const required = request.fig.route.scopes ?? [];
      const missing = required.filter((scope) => !token.scopes.includes(scope));
      if (missing.length > 0) {
        challenge(request, reply, 403, {
          error: 'insufficient_scope',
          error_description: 'token lacks a required scope',
          scope: required.join(' '),
        });
        return;
      }
      request.fig.subject = token.subject;
      request.fig.scopes = token.scopes;
    };

    const authenticate = async (request: FastifyRequest, reply: FastifyReply, bearer: BearerToken) => {
      const { route } = request.fig;
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
        rejections.inc({ status: 503, reason: outcome.description });
        request.log.warn('token not verifiable: no signing keys');
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
      admit(request, reply, outcome.token);
    };

    // A callback hook, so routes without auth, and tokens verified before (the usual case),
    // cost no promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.fig.route.auth === 'none') return done();
      const bearer = bearerToken(request.headers);
      const known = bearer.kind === 'token' ? authenticator.verifiedBefore(bearer.token) : undefined;
      if (known) {
        admit(request, reply, known);
        return done();
      }
      authenticate(request, reply, bearer).then(() => done(), done);
    });
  },
  { name: 'fig-auth', dependencies: ['fig-rate-limit'] },
);
