import type { FastifyRequest } from 'fastify';
import type { Requester } from './override-labels.ts';

/** What every resolver and subgraph fetch of one operation sees. */
export interface BffContext {
  requester: Requester;
  /** Identity and tracing headers passed on to every subgraph. */
  forwardHeaders: Record<string, string>;
}

// The gateway sets x-user-id from the verified token and drops any a client sent.
const forwarded = ['x-user-id', 'authorization', 'traceparent', 'tracestate', 'x-request-id'];

export function contextFromRequest(request: FastifyRequest): BffContext {
  const forwardHeaders: Record<string, string> = { 'x-request-id': request.id };
  for (const name of forwarded) {
    const value = request.headers[name];
    if (typeof value === 'string' && value !== '') forwardHeaders[name] = value;
  }
  const subject = forwardHeaders['x-user-id'];
  return { requester: { subject, ip: request.ip, headers: request.headers }, forwardHeaders };
}
