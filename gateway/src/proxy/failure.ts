import type { FastifyReply, FastifyRequest } from 'fastify';

/** How an upstream attempt failed; failure-policy.ts decides what follows. */
export type FailureKind =
  | 'breaker_open' // refused locally, nothing sent
  | 'connect' // no connection: refused, unreachable, connect timeout; nothing sent
  | 'reset' // the connection broke mid-exchange; the upstream may have acted
  | 'timeout' // no response headers in time; the upstream may have acted
  | 'status' // the upstream answered 5xx
  | 'client_abandoned' // the client hung up or was too slow sending its body: not the upstream's fault
  | 'other';

const connectCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** undici's codes for an upstream too slow to send its headers or its body (also the shadow dispatcher's). */
export const upstreamTimeoutCodes: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof UpstreamStatusError) return 'status';
  if (error instanceof ClientAbandoned) return 'client_abandoned';
  // A wrapped error (a socket error inside undici's) carries the precise code in its cause.
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  const precise = cause?.code ?? code;
  if (precise === 'EOPENBREAKER' || code === 'EOPENBREAKER') return 'breaker_open';
  if (precise !== undefined && connectCodes.has(precise)) return 'connect';
  if (precise !== undefined && upstreamTimeoutCodes.has(precise)) return 'timeout';
  if ((precise !== undefined && resetCodes.has(precise)) || (code !== undefined && resetCodes.has(code)))
    return 'reset';
  return 'other';
}

/** A 5xx answer: a failure for the breaker, yet still the answer the client gets. */
export class UpstreamStatusError extends Error {
  readonly statusCode: number;
  readonly response: unknown;
  constructor(statusCode: number, response: unknown) {
    super(`upstream answered ${statusCode}`);
    this.statusCode = statusCode;
    this.response = response;
  }
}

/**
 * The attempt broke because the client went away (hung up, or timed out sending its body) —
 * whatever the upstream did. Breakers ignore it, so clients cannot open one by abandoning
 * requests.
 */
export class ClientAbandoned extends Error {
  constructor(cause: unknown) {
    super('the client abandoned the request', { cause });
  }
}

/** Whether the client left before its request was answered: it hung up, or its body never finished. */
export function clientAbandoned(request: FastifyRequest, reply: FastifyReply): boolean {
  return request.raw.readableAborted || (reply.raw.destroyed && !reply.raw.writableFinished);
}
