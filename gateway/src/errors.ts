import createError from '@fastify/error';
import { errorBody } from '@fig/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

// The gateway's error catalogue: every answer it makes itself rather than proxies, documented
// in README.md ("Error catalogue"; a test keeps the two alike). They are answers, not bugs:
// no stack is captured, so a flood of 429s costs no stack walks.
const codes = new Map<string, number>();
const define = <Args extends unknown[] = []>(code: `GW_ERR_${string}`, message: string, status: number) => {
  codes.set(code, status);
  return createError<string, number, Args>(code, message, status, Error, false);
};

// Routing and the request itself.
export const BadPath = define<[reason: string]>('GW_ERR_BAD_PATH', 'request path rejected: %s', 400);
export const NotFound = define<[path: string]>('GW_ERR_NOT_FOUND', 'no route for %s', 404);
export const ForcedBackendInvalid = define<[backends: string]>(
  'GW_ERR_FORCED_BACKEND_INVALID',
  "x-fig-backend must name one of this route's backends: %s",
  400,
);
export const BadRequest = define('GW_ERR_BAD_REQUEST', 'malformed request', 400);
export const BadHost = define('GW_ERR_BAD_HOST', 'exactly one Host header is required', 400);
export const BodyTooLarge = define<[limit: number]>(
  'GW_ERR_BODY_TOO_LARGE',
  'request body larger than %s bytes',
  413,
);
export const HeadersTooLarge = define('GW_ERR_HEADERS_TOO_LARGE', 'request headers too large', 431);
export const RequestTimeout = define('GW_ERR_REQUEST_TIMEOUT', 'request not received in time', 408);
export const BodyBuffersFull = define(
  'GW_ERR_BODY_BUFFERS_FULL',
  'too many request bodies in flight, retry later',
  503,
);

// Upstreams.
export const UpstreamUnavailable = define<[upstream: string]>(
  'GW_ERR_UPSTREAM_UNAVAILABLE',
  'upstream %s is unavailable, retry later',
  503,
);
export const UpstreamTimeout = define<[upstream: string]>(
  'GW_ERR_UPSTREAM_TIMEOUT',
  'upstream %s did not answer in time',
  504,
);
export const BadGateway = define<[upstream: string]>(
  'GW_ERR_BAD_GATEWAY',
  'upstream %s failed while answering',
  502,
);
export const TooManyTunnels = define<[max: number]>(
  'GW_ERR_TOO_MANY_TUNNELS',
  'at most %s open WebSocket connections per client',
  429,
);

// Authentication and rate limiting.
export const Unauthenticated = define<[description: string]>('GW_ERR_UNAUTHENTICATED', '%s', 401);
export const InsufficientScope = define<[description: string]>('GW_ERR_INSUFFICIENT_SCOPE', '%s', 403);
export const AuthUnavailable = define('GW_ERR_AUTH_UNAVAILABLE', 'token verification unavailable', 503);
export const AuthThrottled = define<[retryAfterSeconds: number]>(
  'GW_ERR_AUTH_THROTTLED',
  'too many failed authentications from this address, retry in %ss',
  429,
);
export const RateLimited = define<[retryAfterSeconds: number]>(
  'GW_ERR_RATE_LIMITED',
  'rate limit exceeded, retry in %ss',
  429,
);
export const RateLimitUnavailable = define('GW_ERR_RATE_LIMIT_UNAVAILABLE', 'rate limiting unavailable', 503);

// The admin port.
export const AdminUnauthorized = define('GW_ERR_ADMIN_UNAUTHORIZED', 'admin token required', 401);
// Admin answers only requests addressed to one of its own names (plugins/admin-host.ts).
export const AdminHostRefused = define(
  'GW_ERR_ADMIN_HOST_REFUSED',
  'the admin port answers only to its own host names',
  421,
);

// Ramps (admin `/ramps`).
export const RampNotFound = define<[route: string]>('GW_ERR_RAMP_NOT_FOUND', 'no ramp on route %s', 404);
export const RampActionConflict = define<[reason: string]>('GW_ERR_RAMP_CONFLICT', '%s', 409);
export const RampStateUnavailable = define(
  'GW_ERR_RAMP_STATE_UNAVAILABLE',
  'ramp state store unavailable, retry later',
  503,
);

/**
 * Codes the gateway answers with that are not its own: the shared Fastify handlers of
 * @fig/platform (an unknown route, an unexpected error), also used by the dashboard for a
 * missing asset.
 */
const sharedCodes = { NOT_FOUND: 404, INTERNAL: 500 };
for (const [code, status] of Object.entries(sharedCodes)) codes.set(code, status);

/** Every code the gateway can answer with, and its status: what README.md documents. */
export const catalogue: ReadonlyMap<string, number> = codes;

/**
 * Sends one of the catalogue's errors as the gateway's JSON error body (with the request id).
 * Every answer the gateway makes itself on its request path goes out here; headers an answer
 * needs besides (`retry-after`, `www-authenticate`, ...) are set by the caller first.
 */
export function sendGatewayError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: { code: string; message: string; statusCode?: number },
): FastifyReply {
  return reply
    .code(error.statusCode!)
    .type('application/json')
    .send(errorBody(error.code, error.message, request.id));
}
