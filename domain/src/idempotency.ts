import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { errorBody } from '@fig/platform/errors';
import { type Clock, systemClock } from './clock.ts';
import { DomainError, isClientError } from './errors.ts';
import { inTransaction } from './transaction.ts';

export interface Outcome<T = unknown> {
  statusCode: number;
  body: T;
  /** true when this is a stored answer to an earlier request with the same key. */
  replayed: boolean;
}

// Key order must not matter: {a,b} and {b,a} are the same request.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('base64url');
}

/**
 * Stripe-style Idempotency-Key: the first request with a key runs and its answer (success or
 * domain error) is stored in the same transaction as its effects; a retry with the same key
 * and body gets that answer back, with another body a 422. Because the lookup, the work and
 * the record share one write transaction, concurrent duplicates run the work exactly once.
 */
export function createIdempotency(db: DatabaseSync, options: { clock?: Clock } = {}) {
  const clock = options.clock ?? systemClock;
  const find = db.prepare(
    'SELECT request_hash, status_code, body FROM idempotency_keys WHERE scope = ? AND key = ?',
  );
  const store = db.prepare(
    'INSERT INTO idempotency_keys (scope, key, request_hash, status_code, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return function once<T>(
    scope: string,
    key: string | undefined,
    request: unknown,
    successStatus: number,
    work: () => T,
  ): Outcome<T | ReturnType<typeof errorBody>> {
    if (key === undefined) return { statusCode: successStatus, body: work(), replayed: false };
    const hash = requestHash(request);
    return inTransaction(db, () => {
      const previous = find.get(scope, key);
      if (previous) {
        if (previous.request_hash !== hash) throw new DomainError.IdempotencyKeyReused();
        return {
          statusCode: previous.status_code as number,
          body: JSON.parse(previous.body as string),
          replayed: true,
        };
      }
      let outcome: Outcome<T | ReturnType<typeof errorBody>>;
      try {
        outcome = { statusCode: successStatus, body: inTransaction(db, work), replayed: false };
      } catch (error) {
        // Domain refusals (declined, over-refund) are answers too and replay as such; bugs are not stored.
        if (!isClientError(error)) throw error;
        outcome = {
          statusCode: error.statusCode,
          body: errorBody(error.code, error.message),
          replayed: false,
        };
      }
      store.run(scope, key, hash, outcome.statusCode, JSON.stringify(outcome.body), clock());
      return outcome;
    });
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
