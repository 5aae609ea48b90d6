import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../errors.ts';
import type { Authenticator } from './authenticator.ts';
import { bearerChallenge, bearerToken } from './bearer.ts';

/** Who is calling, as far as a verified token says. */
export interface Caller {
  /** The token's `sub`: a user id, or `svc:<client id>` for a service. */
  subject: string;
  scopes: string[];
  /** A service token (client credentials), not an end user's. */
  service: boolean;
  /**
   * The end user the request acts for: the subject of a user token; for a service token the
   * `x-user-id` it sends (a service acting on a user's behalf), else none.
   */
  user?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `callerAuth` from a verified bearer token; undefined for an anonymous request. */
    caller?: Caller;
  }
}

export interface CallerAuthOptions {
  authenticator: Authenticator;
  /** Paths whose Authorization header is not looked at (login, JWKS, health), so a stale token never locks a client out. */
  publicPaths?: RegExp;
}

export const servicePrefix = 'svc:';

// The same shape the domain schemas accept for a user id (identityHeaders).
const userId = /^[A-Za-z0-9._:@|-]{1,128}$/;

function refuse(reply: FastifyReply, description: string) {
  return reply
    .code(401)
    .header('www-authenticate', bearerChallenge({ error: 'invalid_token', error_description: description }))
    .type('application/json')
    .send(errorBody('INVALID_TOKEN', `the bearer token is invalid: ${description}`));
}

/** The caller a verified token describes; `x-user-id` counts only for a service. */
export function callerFrom(
  token: { subject: string; scopes: string[] },
  headers: FastifyRequest['headers'],
): Caller {
  const service = token.subject.startsWith(servicePrefix);
  if (!service) return { subject: token.subject, scopes: token.scopes, service, user: token.subject };
  const onBehalfOf = headers['x-user-id'];
  const user = typeof onBehalfOf === 'string' && userId.test(onBehalfOf) ? onBehalfOf : undefined;
  return { subject: token.subject, scopes: token.scopes, service, user };
}

/**
 * Every backend's caller verification. A backend's port is reachable without the gateway
 * (other pods, a port-forward, a compromised neighbour), so a header anyone can type proves
 * nothing: the caller is whoever a bearer token verified here says. No token is an anonymous
 * caller; a bad token is a 401, never a silent downgrade to anonymous; no signing keys at all
 * is a 503 (a good token cannot be told from a forged one).
 */
export const callerAuth = fp<CallerAuthOptions>(
  async (app, { authenticator, publicPaths }) => {
    app.decorateRequest('caller', undefined);
    app.addHook('onRequest', async (request, reply) => {
      if (publicPaths?.test(request.url)) return;
      const credential = bearerToken(request.headers);
      if (credential.kind === 'none') return;
      if (credential.kind === 'malformed') return refuse(reply, 'not a bearer token');
      const outcome = await authenticator.authenticate(credential.token);
      if (outcome.ok) {
        request.caller = callerFrom(outcome.token, request.headers);
        return;
      }
      if (outcome.status === 401) return refuse(reply, outcome.description);
      return reply
        .code(503)
        .header('retry-after', '5')
        .type('application/json')
        .send(errorBody('AUTH_UNAVAILABLE', 'the signing keys are not available yet; retry later'));
    });
  },
  { name: 'fig-caller-auth' },
);
