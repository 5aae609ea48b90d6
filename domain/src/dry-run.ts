import type { DatabaseSync } from 'node:sqlite';
import { dryRunHeader } from '@fig/routing-rules';
import type { FastifyRequest } from 'fastify';
import { inTransaction } from './transaction.ts';

/**
 * A write marked `x-fig-dry-run: 1` is validated, computed and answered as it would be — same
 * status, same body shape, fresh ids — and changes nothing: the gateway sends writes to a
 * shadow this way to compare the two sides without doing anything twice.
 *
 * Honoured from any caller, not only the gateway: a backend cannot tell the gateway by a
 * header, and need not, because a dry run only ever does LESS than the same request without
 * it (the caller's token, scopes and ownership are checked the same way).
 */
export function isDryRun(request: FastifyRequest): boolean {
  return request.headers[dryRunHeader] === '1';
}

const rollback = Symbol('dry run');

/**
 * Runs `work` in a transaction that is always rolled back: its answer (or its refusal) is
 * what the real request would get, and the database is left as it was. Synchronous work only,
 * so nothing else can see the rows in between.
 */
export function rolledBack<T>(db: DatabaseSync, work: () => T): T {
  let result: T | undefined;
  try {
    inTransaction(db, () => {
      result = work();
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return result as T;
}

export type Rehearse = <T>(work: () => T) => T | Promise<Awaited<T>>;

const forReal: Rehearse = (work) => work();

/** How to run a request's work: `rehearse` (a store's rolled-back run) for a dry run, as itself otherwise. */
export function runFor(request: FastifyRequest, rehearse: Rehearse): Rehearse {
  return isDryRun(request) ? rehearse : forReal;
}
