import type { FastifyRequest } from 'fastify';
import type {} from '../auth/caller-auth.ts';
import { DomainError } from './errors.ts';

/**
 * The end user a request acts for, from the token `callerAuth` verified: the user's own
 * token, or a service token acting for the user named in `x-user-id`. A bare `x-user-id`
 * without a verified service token counts for nothing.
 */
export function callerOf(request: FastifyRequest): string | undefined {
  return request.caller?.user;
}

export function requireCaller(request: FastifyRequest): string {
  const caller = callerOf(request);
  if (!caller) throw new DomainError.Unauthenticated();
  return caller;
}

/** Whether the caller is a service (client credentials), whose reads are not limited to one user. */
export function isServiceCaller(request: FastifyRequest): boolean {
  return request.caller?.service === true;
}

/** 401 without a token; 403 INSUFFICIENT_SCOPE unless the verified token carries `scope`. */
export function requireScope(request: FastifyRequest, scope: string): void {
  const caller = request.caller;
  if (!caller) throw new DomainError.Unauthenticated();
  if (!caller.scopes.includes(scope)) throw new DomainError.InsufficientScope(scope);
}
