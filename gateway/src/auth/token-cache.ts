import { createHash } from 'node:crypto';

export interface VerifiedToken {
  subject: string;
  scopes: string[];
  /** Epoch ms after which the token must be verified again. */
  validUntil: number;
}

/**
 * Verified tokens by the SHA-256 of the whole token, so an altered token (one changed
 * signature byte included) never finds another token's entry. Bounded: the oldest entry
 * goes first, and an expired entry is dropped when read.
 */
export class TokenCache {
  readonly #entries = new Map<string, VerifiedToken>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  get(key: string, now = Date.now()): VerifiedToken | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.validUntil <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, token: VerifiedToken): void {
    this.#entries.delete(key);
    this.#entries.set(key, token);
    if (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
