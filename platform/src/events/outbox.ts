import type { FigEvent } from './envelope.ts';

/** One event waiting in an outbox; `sequence` orders entries and names them to markPublished. */
export interface OutboxEntry {
  sequence: string;
  event: FigEvent;
}

/** Where unpublished events wait: a table written in the same transaction as the change. */
export interface OutboxSource {
  /** Up to `limit` unpublished entries, oldest first (replicas may see the same ones: at least once). */
  unpublished(limit: number): Promise<OutboxEntry[]>;
  /** Marks these entries published (idempotent). */
  markPublished(sequences: readonly string[]): Promise<void>;
}
