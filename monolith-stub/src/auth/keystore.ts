import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, inMemory, systemClock } from '@fig/domain';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export const signingAlgorithm = 'RS256';

interface StoredKey {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: number;
  /** When a newer key took over; the public half stays published until its tokens expire. */
  retired_at?: number;
}

export interface KeystoreOptions {
  /** DATA_DIR; `:memory:` keeps keys in memory only (a fresh key on every start). */
  dataDir: string;
  /** Longest token lifetime: how long a retired key must remain verifiable. */
  tokenTtlSeconds: number;
  clock?: Clock;
}

async function newKey(now: number): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    private_jwk: { ...(await exportJWK(privateKey)), kid, alg: signingAlgorithm },
    public_jwk: { ...publicJwk, kid, alg: signingAlgorithm, use: 'sig' },
    created_at: now,
  };
}

/**
 * The identity provider's signing keys, in `<DATA_DIR>/jwt-keys.json` (mode 600). The first
 * start generates a key; `rotate()` adds a new signing key and retires the old one, which
 * stays in the JWKS until every token it signed has expired, then is dropped.
 */
export async function openKeystore(options: KeystoreOptions) {
  const clock = options.clock ?? systemClock;
  const file = options.dataDir === inMemory ? undefined : join(options.dataDir, 'jwt-keys.json');
  let keys: StoredKey[] = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).keys : [];

  const save = () => {
    if (!file) return;
    // Write-then-rename: a crash mid-write never leaves a half-written key file behind.
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  };

  const expired = (key: StoredKey) =>
    key.retired_at !== undefined && key.retired_at + options.tokenTtlSeconds * 1000 <= clock();

  const prune = () => {
    const kept = keys.filter((key) => !expired(key));
    if (kept.length !== keys.length) {
      keys = kept;
      save();
    }
  };

  if (!keys.some((key) => key.retired_at === undefined)) {
    keys.push(await newKey(clock()));
    save();
  }

  const active = () => keys.find((key) => key.retired_at === undefined)!;

  return {
    /** The key new tokens are signed with. */
    async signingKey() {
      const key = active();
      return { kid: key.kid, key: await importJWK(key.private_jwk, signingAlgorithm) };
    },
    /** The public keys a verifier must know: the active one and retired ones whose tokens may live. */
    jwks(): { keys: JWK[] } {
      prune();
      return { keys: keys.map((key) => key.public_jwk) };
    },
    async rotate(): Promise<{ kid: string; retired: string[] }> {
      const now = clock();
      const previous = active();
      const next = await newKey(now);
      previous.retired_at = now;
      keys.unshift(next);
      prune();
      save();
      return { kid: next.kid, retired: [previous.kid] };
    },
  };
}

export type Keystore = Awaited<ReturnType<typeof openKeystore>>;
