import { devServiceClients } from '@fig/platform/auth/dev-service-clients';
import { seedUsers } from '@fig/domain/seed';
import { createSigningKey, type RunningJwksServer, signToken, startJwksServer } from './jwks-server.ts';

export interface TokenOptions {
  scopes?: string[];
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Overrides any claim (`aud`, `iss`, ...). */
  claims?: Record<string, unknown>;
}

export interface TestIdentity {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE for a spawned backend that trusts these tokens. */
  readonly env: Record<string, string>;
  readonly jwks: RunningJwksServer;
  /** An end user's token (`sub` = the user id). */
  userToken(userId: string, options?: TokenOptions): Promise<string>;
  /** A service's token (`sub` = `svc:<client>`); scopes default to the dev client's. */
  serviceToken(client: string, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * An identity provider for tests of a backend without the monolith: a real JWKS endpoint and
 * tokens signed with its key, with the same claims the dev identity provider issues.
 */
export async function startTestIdentity(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIdentity> {
  const issuer = options.issuer ?? 'https://id.fig.test';
  const audience = options.audience ?? 'fig';
  const key = await createSigningKey('test-key');
  const jwks = await startJwksServer([key]);
  const sign = (subject: string, scopes: string[], { expiresIn = 300, claims = {} }: TokenOptions) =>
    signToken(key, {
      iss: issuer,
      aud: audience,
      sub: subject,
      iat: now(),
      exp: now() + expiresIn,
      scope: scopes.join(' '),
      ...claims,
    });
  return {
    jwksUrl: jwks.url,
    issuer,
    audience,
    env: { AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience },
    jwks,
    userToken: (userId, tokenOptions = {}) =>
      sign(
        userId,
        tokenOptions.scopes ?? [...(seedUsers.find((u) => u.id === userId)?.scopes ?? [])],
        tokenOptions,
      ),
    serviceToken: (client, tokenOptions = {}) =>
      sign(
        `svc:${client}`,
        tokenOptions.scopes ?? devServiceClients.find((c) => c.id === client)?.scopes ?? [],
        tokenOptions,
      ),
    close: () => jwks.close(),
  };
}

/** A service token from a running identity provider (the monolith's `POST /auth/token`). */
export async function fetchServiceToken(
  baseUrl: string,
  client = 'checkout',
  scope?: string,
): Promise<string> {
  const dev = devServiceClients.find((c) => c.id === client);
  const response = await fetch(new URL('/auth/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client,
      client_secret: dev?.secret ?? '',
      ...(scope ? { scope } : {}),
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token)
    throw new Error(`no service token for ${client}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** An end user's token from a running identity provider (the monolith's `POST /auth/login`). */
export async function loginToken(
  baseUrl: string,
  username = 'alice',
  password = 'password',
): Promise<string> {
  const response = await fetch(new URL('/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token)
    throw new Error(`login of ${username} failed: ${JSON.stringify(body)}`);
  return body.access_token;
}
