export type EdgeEventKind =
  'reload' | 'reload-rejected' | 'breaker-open' | 'breaker-half-open' | 'breaker-closed';

export interface EdgeEvent {
  at: number;
  kind: EdgeEventKind;
  message: string;
  /** The upstream or route concerned, when there is one. */
  subject?: string;
}

/**
 * The edge's recent operational events — rule reloads and breaker transitions — so the
 * dashboard can put them on the same time axis as match rates and errors.
 */
export class EventLog {
  readonly #events: EdgeEvent[] = [];
  readonly #capacity: number;

  constructor(capacity = 500) {
    this.#capacity = capacity;
  }

  record(kind: EdgeEventKind, message: string, subject?: string): void {
    this.#events.push({ at: Date.now(), kind, message, subject });
    if (this.#events.length > this.#capacity) this.#events.shift();
  }

  /** Newest last, at most `limit`. */
  recent(limit = this.#capacity): EdgeEvent[] {
    return this.#events.slice(-limit);
  }
}
