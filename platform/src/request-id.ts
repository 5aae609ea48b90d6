import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Ids a client may choose: short, printable, no separators that would split a log line or header.
const wellFormed = /^[A-Za-z0-9._:-]{1,128}$/;

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && wellFormed.test(value);
}

/** Fastify genReqId: keep the caller's x-request-id when it is well-formed, otherwise mint one. */
export function requestIdFrom(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return isWellFormedRequestId(given) ? given : randomUUID();
}
