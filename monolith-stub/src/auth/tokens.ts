import { DomainError, type User } from '@fig/common/domain/index';
import { createLocalJWKSet, errors, jwtVerify, SignJWT } from 'jose';
import { type Keystore, signingAlgorithm } from './keystore.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Issues RS256 access tokens for users and verifies them against the keystore's JWKS. */
export function createTokens(keystore: Keystore, settings: TokenSettings) {
  async function issue(user: User, requestedScope?: string) {
    const wanted = requestedScope?.split(' ').filter(Boolean);
    const scopes = wanted ? user.scopes.filter((scope) => wanted.includes(scope)) : user.scopes;
    const { kid, key } = await keystore.signingKey();
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: scopes.join(' '), preferred_username: user.username })
      .setProtectedHeader({ alg: signingAlgorithm, kid, typ: 'JWT' })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setSubject(user.id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + settings.ttlSeconds)
      .sign(key);
    return {
      access_token: token,
      token_type: 'Bearer' as const,
      expires_in: settings.ttlSeconds,
      scope: scopes.join(' '),
    };
  }

  // Importing RSA keys is not free: rebuild the verifier's key set only when the published keys change.
  let published = { kids: '', keySet: createLocalJWKSet({ keys: [] }) };
  function keySet() {
    const jwks = keystore.jwks();
    const kids = jwks.keys.map((key) => key.kid).join(' ');
    if (kids !== published.kids) published = { kids, keySet: createLocalJWKSet(jwks) };
    return published.keySet;
  }

  /** The token's subject, or INVALID_TOKEN saying why (expired, wrong audience, bad signature...). */
  async function verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, keySet(), {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [signingAlgorithm],
      });
      if (!payload.sub) throw new DomainError.InvalidToken('it has no subject');
      return payload.sub;
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new DomainError.InvalidToken(error.code);
      throw error;
    }
  }

  return { issue, verify };
}

export type Tokens = ReturnType<typeof createTokens>;
