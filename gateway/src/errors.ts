import createError from '@fastify/error';

// The gateway's own errors (responses it makes rather than proxies), documented in README.md.
export const UpstreamUnavailable = createError(
  'GW_ERR_UPSTREAM_UNAVAILABLE',
  'upstream %s is unavailable, retry later',
  503,
);
export const UpstreamTimeout = createError(
  'GW_ERR_UPSTREAM_TIMEOUT',
  'upstream %s did not answer in time',
  504,
);
export const BadGateway = createError('GW_ERR_BAD_GATEWAY', 'upstream %s failed while answering', 502);
export const NotFound = createError('GW_ERR_NOT_FOUND', 'no route for %s', 404);
export const BadPath = createError('GW_ERR_BAD_PATH', 'request path rejected: %s', 400);
export const BadForcedBackend = createError(
  'GW_ERR_FORCED_BACKEND_INVALID',
  "x-fig-backend must name one of this route's backends: %s",
  400,
);
// Admin answers only requests addressed to one of its own names (plugins/admin-host.ts).
export const AdminHostRefused = createError(
  'GW_ERR_ADMIN_HOST_REFUSED',
  'the admin port answers only to its own host names',
  421,
);
export const AuthThrottled = createError(
  'GW_ERR_AUTH_THROTTLED',
  'too many failed authentications from this address, retry in %ss',
  429,
);
