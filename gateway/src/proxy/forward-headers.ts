import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

type Headers = Record<string, string | string[] | number | undefined>;

// Hop-by-hop headers (RFC 9110 §7.6.1) and their legacy cousins: meaningful only on one
// connection, so never forwarded in either direction. `connection` and the names it lists
// are removed by reply-from before our rewrite runs (requests) and below (responses).
const hopByHop = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
const hopByHopRequest = [...hopByHop, 'proxy-authorization'];
const hopByHopResponse = ['connection', ...hopByHop, 'proxy-authenticate'];

// Identity and routing controls only the gateway may set; a client-sent value never passes.
const gatewayOwned = [
  'x-user-id',
  'x-fig-backend',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
];

/**
 * The headers an upstream receives: hop-by-hop and gateway-owned ones removed, then identity
 * (`x-user-id` from the verified token only), `x-request-id` and `X-Forwarded-*` set from what
 * the gateway trusts (Fastify applies TRUST_PROXY to `ips`, `protocol` and `host`).
 * Authorization and traceparent pass unchanged. Mutates reply-from's private copy.
 */
export function forwardRequestHeaders(request: FastifyRequest, headers: Headers): Headers {
  for (const name of hopByHopRequest) if (headers[name] !== undefined) delete headers[name];
  for (const name of gatewayOwned) if (headers[name] !== undefined) delete headers[name];
  const { subject } = request.fig;
  if (subject !== undefined) headers['x-user-id'] = subject;
  headers['x-request-id'] = request.id;
  const chain = request.ips;
  headers['x-forwarded-for'] = chain && chain.length > 1 ? chain.toReversed().join(', ') : request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-forwarded-host'] = request.host;
  return headers;
}

/** The headers a client receives from an upstream answer, marked with who served it. */
export function forwardResponseHeaders(
  headers: IncomingHttpHeaders,
  request: FastifyRequest,
): IncomingHttpHeaders {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const name of connection.split(',')) delete headers[name.trim().toLowerCase()];
  }
  for (const name of hopByHopResponse) if (headers[name] !== undefined) delete headers[name];
  headers['x-served-by'] = request.fig.backend?.upstream;
  headers['x-request-id'] = request.id;
  return headers;
}
