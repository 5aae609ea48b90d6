import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and their legacy cousins: meaningful only on one
 * connection, so never forwarded in either direction, nor any header `connection` names.
 * The shadow dispatcher leaves them out of its copies too.
 */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

// Identity and routing controls only the gateway may set; a client-sent value never passes.
// Every `x-fig-*` header too (below): they mean something between Fig's own parts
// (`x-fig-shadow` tells a backend to skip side effects), so none is ever taken from a client.
const gatewayOwned = [
  'x-user-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
];

// `Expect: 100-continue` is answered by the edge itself (Node sends the 100 before the body is
// read); the upstream gets the whole body at once, and undici refuses to send the header at all.
const neverForwarded = new Set([
  ...hopByHopHeaders,
  'proxy-authorization',
  'host',
  'expect',
  ...gatewayOwned,
]);
const neverReturned = new Set([...hopByHopHeaders, 'proxy-authenticate']);
const figPrefix = 'x-fig-';

/** The lower-cased header names a `Connection` header lists (RFC 9110 §7.6.1). */
function namedByConnection(connection: string | string[] | undefined): Set<string> | undefined {
  // The usual values name nothing beyond the hop-by-hop headers that are dropped anyway.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  const names = new Set<string>();
  for (const line of Array.isArray(connection) ? connection : [connection]) {
    for (const name of line.split(',')) names.add(name.trim().toLowerCase());
  }
  return names;
}

/**
 * The headers an upstream receives, built fresh (one pass, no deletes): hop-by-hop, anything
 * `Connection` names, gateway-owned ones and every `x-fig-*` left out, then identity (`x-user-id` from the
 * verified token only), `x-request-id` and `X-Forwarded-*` set from what the gateway trusts
 * (Fastify applies TRUST_PROXY to `ips`, `protocol` and `host`). Authorization and
 * traceparent pass unchanged. `host` is the upstream's when given, else the client's.
 */
export function forwardRequestHeaders(
  request: FastifyRequest,
  host?: string,
): Record<string, string | string[]> {
  const source = request.headers;
  const named = namedByConnection(source.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in source) {
    const value = source[name];
    if (value === undefined || neverForwarded.has(name) || named?.has(name) || name.startsWith(figPrefix))
      continue;
    headers[name] = value;
  }
  const clientHost = source.host;
  if (host !== undefined) headers.host = host;
  else if (clientHost !== undefined) headers.host = clientHost;
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
  source: IncomingHttpHeaders,
  request: FastifyRequest,
): IncomingHttpHeaders {
  const named = namedByConnection(source.connection);
  const headers: IncomingHttpHeaders = {};
  for (const name in source) {
    if (neverReturned.has(name) || named?.has(name)) continue;
    headers[name] = source[name];
  }
  headers['x-served-by'] = request.fig.backend?.upstream;
  headers['x-request-id'] = request.id;
  return headers;
}
