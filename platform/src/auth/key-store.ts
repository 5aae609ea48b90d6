import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** No keys were ever obtained: a verifier cannot tell a good token from a bad one (503, not 401). */
export class KeysUnavailableError extends Error {
  constructor() {
    super('signing keys unavailable');
    this.name = 'KeysUnavailableError';
  }
}

export interface KeyStoreOptions {
  /** Remote JWKS; ignored when `file` is given. */
  url?: string;
  /** A local JWKS file, read once at start. */
  file?: string;
  /** Abort a JWKS fetch after this long. */
  timeoutMs?: number;
  /** Refresh in the background once the keys are this old (they stay in use meanwhile). */
  maxAgeMs?: number;
  /** At most one fetch per this interval, whatever the outcome and whatever tokens arrive. */
  minRefetchMs?: number;
  /** The same while no keys were ever fetched (the identity provider may still be starting). */
  retryWithoutKeysMs?: number;
  /** Larger responses are refused (a JWKS is a few KB). */
  maxBytes?: number;
}

export interface KeyStore {
  getKey: JWTVerifyGetKey;
  /** Fetches now unless a fetch ran within `minRefetchMs`; never throws. */
  refresh(): Promise<void>;
  hasKeys(): boolean;
  /** Fetch attempts so far by outcome, for metrics. */
  fetches(): { ok: number; failed: number };
}

/**
 * JWKS keys kept the way an edge needs them, which jose's createRemoteJWKSet does not quite do:
 * it refetches on every lookup once its cache is stale and throws when that fails, and its
 * cooldown only counts successful fetches — so with the JWKS endpoint down every token with an
 * unknown `kid` would cause a fetch. Here the last good keys stay in use however old (refreshed
 * in the background), a failed fetch keeps them, and every fetch attempt, good or bad, starts
 * the cooldown.
 */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const minRefetchMs = options.minRefetchMs ?? 10_000;
  const retryWithoutKeysMs = Math.min(options.retryWithoutKeysMs ?? 1000, minRefetchMs);
  const maxBytes = options.maxBytes ?? 256 * 1024;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = 0;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  const fetches = { ok: 0, failed: 0 };

  if (options.file) {
    keys = createLocalJWKSet(JSON.parse(readFileSync(options.file, 'utf8')) as JSONWebKeySet);
    fetchedAt = Number.POSITIVE_INFINITY;
  }

  async function fetchKeys(url: string): Promise<void> {
    const response = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
    if (Number(response.headers.get('content-length')) > maxBytes) throw new Error('JWKS response too large');
    const body = await response.arrayBuffer();
    if (body.byteLength > maxBytes) throw new Error('JWKS response too large');
    const jwks = JSON.parse(new TextDecoder().decode(body)) as JSONWebKeySet;
    // An empty set would turn every token away as if forged: keep the keys we have instead.
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('JWKS has no keys');
    // createLocalJWKSet validates the shape, so a broken response never replaces good keys.
    keys = createLocalJWKSet(jwks);
    fetchedAt = Date.now();
  }

  function refresh(): Promise<void> {
    const url = options.file ? undefined : options.url;
    if (!url) return Promise.resolve();
    if (pending) return pending;
    if (Date.now() - attemptedAt < (keys ? minRefetchMs : retryWithoutKeysMs)) return Promise.resolve();
    attemptedAt = Date.now();
    pending = fetchKeys(url)
      .then(
        () => {
          fetches.ok += 1;
        },
        () => {
          fetches.failed += 1;
        },
      )
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (!keys) await refresh();
    if (!keys) throw new KeysUnavailableError();
    if (Date.now() - fetchedAt > maxAgeMs) void refresh();
    try {
      return await keys(header, token);
    } catch (error) {
      // An unknown kid may be a freshly rotated key: look once, within the cooldown.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      await refresh();
      return keys(header, token);
    }
  };

  return { getKey, refresh, hasKeys: () => keys !== undefined, fetches: () => ({ ...fetches }) };
}
