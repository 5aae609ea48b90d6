import type { FastifyRequest } from 'fastify';
import { DomainError } from './errors.ts';

/**
 * The caller's user id. Behind the edge it arrives as `x-user-id` (the gateway sets it from a
 * verified token and strips any client-sent value); routes validate its shape in their schema.
 */
export function callerOf(request: FastifyRequest): string | undefined {
  const value = request.headers['x-user-id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireCaller(request: FastifyRequest): string {
  const caller = callerOf(request);
  if (!caller) throw new DomainError.Unauthenticated();
  return caller;
}
