import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import { type BearerToken, bearerChallenge, bearerToken } from '@fig/platform/auth/bearer';
import type { VerifiedToken } from '@fig/platform/auth/token-cache';
import {
  AuthThrottled,
  AuthUnavailable,
  InsufficientScope,
  sendGatewayError,
  Unauthenticated,
} from '../errors.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { type AuthFailureLimits, AuthFailureBudget } from '../rate-limit/auth-failure-budget.ts';

export interface AuthPluginOptions {
  authenticator: Authenticator;
  /** Failed authentications per client address before its unknown tokens are refused unverified. */
  failures: AuthFailureLimits;
  metrics: Pick<GatewayMetrics, 'authRejections'>;
}

/**
 * Per route `auth`: `required` needs a valid token, `optional` accepts none but never a bad
 * one, `none` ignores the header (it is still forwarded). Route `scopes` must all be granted.
 * Sets `request.fig.subject/scopes`, which the route's rate limit (next) is keyed by.
 *
 * Runs before the route's rate limit, so a user is counted as themselves from the first
 * request. What bounds the work of verifying is a budget of its own: every failed
 * authentication is charged to the client address, and an address over that budget gets 429
 * `GW_ERR_AUTH_THROTTLED` for any token not verified before, without a signature check. Tokens
 * verified before keep working from that address, and valid tokens never cost it anything.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { authenticator, failures: limits, metrics }) => {
    const failures = new AuthFailureBudget(app.figRateLimitStore, limits);
    const rejections = metrics.authRejections;

    const challenge = (
      request: FastifyRequest,
      reply: FastifyReply,
      status: 401 | 403,
      params: Record<string, string>,
    ) => {
      const description = params.error_description ?? 'authentication required';
      rejections.inc({ status, reason: description });
      reply.header('www-authenticate', bearerChallenge(params));
      const error = status === 403 ? new InsufficientScope(description) : new Unauthenticated(description);
      return sendGatewayError(request, reply, error);
    };

    app.addHook('onReady', async () => {
      if (!(await authenticator.warmUp()))
        app.log.warn('no signing keys yet: tokens get 503 until the JWKS answers');
    });

    /** 429 for an address over its failed-authentication budget. */
    const throttle = (request: FastifyRequest, reply: FastifyReply, retryAfter: number) => {
      rejections.inc({ status: 429, reason: 'too many failed authentications' });
      sendGatewayError(request, reply.header('retry-after', retryAfter), new AuthThrottled(retryAfter));
    };

    /** A verified token still has to carry the route's scopes (else 403). Whether it answered. */
    const admit = (request: FastifyRequest, reply: FastifyReply, token: VerifiedToken): boolean => {
      const required = request.fig.route.scopes ?? [];
      const missing = required.filter((scope) => !token.scopes.includes(scope));
      if (missing.length > 0) {
        challenge(request, reply, 403, {
          error: 'insufficient_scope',
          error_description: 'token lacks a required scope',
          scope: required.join(' '),
        });
        return true;
      }
      request.fig.subject = token.subject;
      request.fig.scopes = token.scopes;
      return false;
    };

    /** A failed authentication: 401, or 429 when it takes the address over its budget. */
    const refuse = async (request: FastifyRequest, reply: FastifyReply, params: Record<string, string>) => {
      const retryAfter = await failures.charge(request);
      if (retryAfter === undefined) challenge(request, reply, 401, params);
      else throttle(request, reply, retryAfter);
    };

    /** Credentials not verified before. Whether it answered the request. */
    const authenticate = async (
      request: FastifyRequest,
      reply: FastifyReply,
      bearer: Exclude<BearerToken, { kind: 'none' }>,
    ): Promise<boolean> => {
      if (bearer.kind === 'malformed') {
        await refuse(request, reply, {
          error: 'invalid_request',
          error_description: 'authorization is not a bearer token',
        });
        return true;
      }
      const outcome = await authenticator.authenticate(bearer.token);
      if (outcome.ok) return admit(request, reply, outcome.token);
      if (outcome.status === 503) {
        // Nothing was wrong with the token: the gateway could not check it. Not a failure.
        rejections.inc({ status: 503, reason: outcome.description });
        request.log.warn('token not verifiable: no signing keys');
        sendGatewayError(request, reply.header('retry-after', '5'), new AuthUnavailable());
        return true;
      }
      await refuse(request, reply, { error: 'invalid_token', error_description: outcome.description });
      return true;
    };

    // A callback hook, so routes without auth, and tokens verified before (the usual case),
    // cost no promise per request. A request answered here (401, 403, 429, 503) must not go on
    // down the chain: `done` is called only for requests that continue.
    app.addHook('onRequest', (request, reply, done) => {
      const { route } = request.fig;
      if (route.auth === 'none') return done();
      const bearer = bearerToken(request.headers);
      if (bearer.kind === 'none') {
        if (route.auth === 'optional') return done();
        challenge(request, reply, 401, {});
        return;
      }
      const known = bearer.kind === 'token' ? authenticator.verifiedBefore(bearer.token) : undefined;
      if (known) {
        if (!admit(request, reply, known)) done();
        return;
      }
      const retryAfter = failures.exhausted(request);
      if (retryAfter !== undefined) {
        throttle(request, reply, retryAfter);
        return;
      }
      authenticate(request, reply, bearer).then((answered) => {
        if (!answered) done();
      }, done);
    });
  },
  { name: 'fig-auth', dependencies: ['fig-edge-context', 'fig-rate-limit-store'] },
);
