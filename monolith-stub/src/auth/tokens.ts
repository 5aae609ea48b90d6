import type { ServiceClient } from '@fig/platform/auth/dev-service-clients';
import { servicePrefix } from '@fig/platform/auth/caller-auth';
import type { User } from '@fig/domain';
import { SignJWT } from 'jose';
import { type Keystore, signingAlgorithm } from './keystore.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Issues RS256 access tokens: for users (password login) and for services (client credentials). */
export function createTokens(keystore: Keystore, settings: TokenSettings) {
  async function sign(subject: string, scopes: string[], claims: Record<string, string>) {
    const { kid, key } = await keystore.signingKey();
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: scopes.join(' '), ...claims })
      .setProtectedHeader({ alg: signingAlgorithm, kid, typ: 'JWT' })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setSubject(subject)
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

  /** A user's token with the requested scopes the user has (all of them by default). */
  function issue(user: User, requestedScope?: string) {
    const wanted = requestedScope?.split(' ').filter(Boolean);
    const scopes = wanted ? user.scopes.filter((scope) => wanted.includes(scope)) : user.scopes;
    return sign(user.id, scopes, { preferred_username: user.username });
  }

  /** A service's token, `sub` = `svc:<client id>`, with the scopes already granted to it. */
  function issueService(client: ServiceClient, scopes: string[]) {
    return sign(`${servicePrefix}${client.id}`, scopes, { client_id: client.id });
  }

  return { issue, issueService };
}

export type Tokens = ReturnType<typeof createTokens>;
