export interface VerifiedToken {
  subject: string;
  scopes: string[];
  /** Epoch ms after which the token must be verified again. */
  validUntil: number;
}

/**
 * Verified tokens keyed by the whole token string, compared exactly: an altered token (one
 * changed signature byte included) never finds another token's entry, and no digest is
 * computed on the hot path. Only verified tokens get in, so the memory is bounded by
 * `maxEntries` real tokens. The oldest entry goes first; an expired one is dropped when read.
 */
export class TokenCache {
  readonly #entries = new Map<string, VerifiedToken>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  get(token: string, now = Date.now()): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry && entry.validUntil <= now) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, verified: VerifiedToken): void {
    this.#entries.delete(token);
    this.#entries.set(token, verified);
    if (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
