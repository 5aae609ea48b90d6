import type { FastifyRequest } from 'fastify';
import type { Requester } from './override-labels.ts';

/** What every resolver and subgraph fetch of one operation sees. */
export interface BffContext {
  requester: Requester;
  /** Identity and tracing headers passed on to every subgraph. */
  forwardHeaders: Record<string, string>;
}

import type {} from '@fig/platform/auth/caller-auth';
import { activeTracer } from '@fig/platform/tracing';

// The caller's own Authorization goes to every subgraph, which verifies it itself; a client's
// x-user-id never does (it is no credential, and a subgraph would ignore it anyway). With
// tracing on, each subgraph fetch carries its own span's traceparent instead of the caller's.
const forwarded = ['authorization', 'traceparent', 'tracestate', 'x-request-id'];
const forwardedWhenTracing = ['authorization', 'x-request-id'];

export function contextFromRequest(request: FastifyRequest): BffContext {
  const forwardHeaders: Record<string, string> = { 'x-request-id': request.id };
  for (const name of activeTracer() ? forwardedWhenTracing : forwarded) {
    const value = request.headers[name];
    if (typeof value === 'string' && value !== '') forwardHeaders[name] = value;
  }
  // Set by callerAuth from the verified token: the sticky bucket follows the real user.
  const subject = request.caller?.user ?? request.caller?.subject;
  if (request.caller?.user) forwardHeaders['x-user-id'] = request.caller.user;
  return { requester: { subject, ip: request.ip, headers: request.headers }, forwardHeaders };
}
