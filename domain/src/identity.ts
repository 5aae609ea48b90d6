import type { FastifyRequest } from 'fastify';
import type {} from '@fig/platform/auth/caller-auth';
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

/**
 * Whose records the caller may read: a user's own (their token, or a service acting for them
 * with `x-user-id`); any for a service acting for nobody. `undefined` when anonymous.
 */
export interface Reader {
  /** The one user whose records are visible; undefined means every user's (a service). */
  user?: string;
}

export function readerOf(request: FastifyRequest): Reader | undefined {
  const caller = request.caller;
  if (!caller) return undefined;
  if (caller.user !== undefined) return { user: caller.user };
  return caller.service ? {} : undefined;
}

/** As `readerOf`, 401 when anonymous: the owner filter to give `get(id, userId)` of orders, payments. */
export function requireReader(request: FastifyRequest): string | undefined {
  const reader = readerOf(request);
  if (!reader) throw new DomainError.Unauthenticated();
  return reader.user;
}

/** Whether a record owned by `owner` (null: nobody's) is visible to `reader`. */
export function mayRead(reader: Reader | undefined, owner: string | null | undefined): boolean {
  if (!reader) return false;
  return reader.user === undefined || reader.user === owner;
}

/** `requireScope` as a route's `onRequest` hook: refused before the body is even read. */
export function scopeRequired(scope: string) {
  return async (request: FastifyRequest) => requireScope(request, scope);
}
