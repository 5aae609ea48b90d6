import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyHttpOptions, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { errorBody } from '@fig/platform';
import { BadPath, BadRequest, HeadersTooLarge, RequestTimeout, sendGatewayError } from '../errors.ts';
import { isWebSocketUpgrade } from '../proxy/websocket.ts';
import { securityHeaders } from './security-headers.ts';

export interface ServerLimits {
  /** Request line plus headers, in bytes; beyond it: 431. */
  maxHeaderBytes: number;
  /** Time to receive the complete request head; beyond it: 408. */
  headersTimeoutMs: number;
  /** Time to receive the complete request, body included; beyond it: 408. */
  requestTimeoutMs: number;
}

// Errors Node raises before Fastify sees a request: answered here, in the JSON shape, on the
// bare socket (there is no request id and no reply to send through).
const clientErrors: Record<string, () => { code: string; message: string; statusCode: number }> = {
  HPE_HEADER_OVERFLOW: () => new HeadersTooLarge(),
  ERR_HTTP_REQUEST_TIMEOUT: () => new RequestTimeout(),
};

function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const {
    statusCode: status,
    code,
    message,
  } = (clientErrors[error.code ?? ''] ?? (() => new BadRequest()))();
  const body = JSON.stringify(errorBody(code, message));
  const headers = Object.entries({
    ...securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  if (socket.writable)
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers.join('')}\r\n${body}`);
  socket.destroy();
}

/**
 * Requests Fastify refuses before any hook runs (a URL it cannot decode, ...). Its default
 * answer echoes the URL back; this one is the JSON shape with a fixed message.
 */
function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refusal =
    error.code === 'FST_ERR_BAD_URL' ? new BadPath('invalid percent-encoding') : new BadRequest();
  sendGatewayError(request, reply.headers(securityHeaders), refusal);
}

/** Fastify options for the public listener: limits and timeouts enforced by Node itself. */
export function hardenedServerOptions(limits: ServerLimits): FastifyHttpOptions<Server> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    clientErrorHandler,
    // Fastify types the handler for any server flavour; ours is plain HTTP/1.
    frameworkErrors: frameworkErrors as never,
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      // The head is part of the request: it cannot have longer than the whole.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // How often Node checks the two timeouts above; its default (30 s) would let them overrun.
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4,
      ),
      // The hardening plugin refuses a missing or repeated Host, in the JSON shape.
      requireHostHeader: false,
      // Only a WebSocket handshake leaves the ordinary request path (proxy/websocket.ts).
      shouldUpgradeCallback: isWebSocketUpgrade,
    },
  };
}
