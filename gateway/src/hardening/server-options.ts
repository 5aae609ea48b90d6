import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyHttpOptions, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { errorBody } from '@fig/platform';
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

// Errors Node raises before Fastify sees a request: answered here, in the JSON shape.
const clientErrors: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'GW_ERR_HEADERS_TOO_LARGE', 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'GW_ERR_REQUEST_TIMEOUT', 'request not received in time'],
};

function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientErrors[error.code ?? ''] ?? [
    400,
    'GW_ERR_BAD_REQUEST',
    'malformed request',
  ];
  const body = JSON.stringify({ error: { code, message } });
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
  const [code, message] =
    error.code === 'FST_ERR_BAD_URL'
      ? ['GW_ERR_BAD_PATH', 'request path rejected: invalid percent-encoding']
      : ['GW_ERR_BAD_REQUEST', 'malformed request'];
  reply
    .code(400)
    .headers(securityHeaders)
    .send(errorBody(code, message, request.id));
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
