import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { seedUsers } from '@fig/domain/seed';

interface StoredKey {
  kid: string;
  private_jwk: JWK;
  retired_at?: number;
}

export interface MonolithTokenOptions {
  /** The monolith's AUTH_ISSUER / AUTH_AUDIENCE (its defaults unless given). */
  issuer?: string;
  audience?: string;
  expiresIn?: number;
}

/**
 * A user token signed with the current key of a monolith that keeps its keys in `dataDir`
 * (`<DATA_DIR>/jwt-keys.json`), with the claims its login issues. Its login knows only the
 * seed's two users; tests that need a customer of their own (one order history each) sign
 * for any user id this way, and every backend that trusts the monolith accepts the token.
 */
export async function monolithUserToken(
  dataDir: string,
  userId: string,
  options: MonolithTokenOptions = {},
): Promise<string> {
  const { keys } = JSON.parse(readFileSync(join(dataDir, 'jwt-keys.json'), 'utf8')) as { keys: StoredKey[] };
  const active = keys.find((key) => key.retired_at === undefined);
  if (!active) throw new Error(`no active signing key in ${dataDir}`);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: seedUsers[0].scopes.join(' ') })
    .setProtectedHeader({ alg: 'RS256', kid: active.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? 'http://127.0.0.1:3000')
    .setAudience(options.audience ?? 'fig')
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(await importJWK(active.private_jwk, 'RS256'));
}

/** `monolithUserToken` for any number of customers, each token signed once and reused. */
export function monolithUsers(dataDir: string, options: MonolithTokenOptions = {}) {
  const tokens = new Map<string, Promise<string>>();
  return {
    token(userId: string): Promise<string> {
      if (!tokens.has(userId)) tokens.set(userId, monolithUserToken(dataDir, userId, options));
      return tokens.get(userId)!;
    },
  };
}
