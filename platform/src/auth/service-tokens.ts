import { devServiceClients } from './dev-service-clients.ts';

/** How a service gets its own tokens (OAuth 2.0 client credentials, RFC 6749 §4.4). */
export interface ServiceClientEnv {
  AUTH_TOKEN_URL: string;
  SERVICE_CLIENT_ID: string;
  SERVICE_CLIENT_SECRET: string;
}

/** The env-schema fragment of a service's client, defaulting to its dev client of the local stack. */
export function serviceClientEnvProperties(devClientId: string) {
  const dev = devServiceClients.find((client) => client.id === devClientId);
  return {
    AUTH_TOKEN_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000/auth/token' },
    SERVICE_CLIENT_ID: { type: 'string', minLength: 1, maxLength: 128, default: devClientId },
    SERVICE_CLIENT_SECRET: { type: 'string', minLength: 1, ...(dev ? { default: dev.secret } : {}) },
  } as const;
}

export class ServiceTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceTokenError';
  }
}

export interface ServiceTokensOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Narrower scopes than the client's (space-separated); default all of them. */
  scope?: string;
  /** Abort a token request after this long. */
  timeoutMs?: number;
  /** Fetch a new token this long before the current one expires (capped at half its lifetime). */
  refreshBeforeSeconds?: number;
  now?: () => number;
}

export interface ServiceTokens {
  /** A valid access token, fetched once and reused until shortly before it expires. */
  token(): Promise<string>;
  /** `Bearer <token>`, for an Authorization header. */
  authorization(): Promise<string>;
  /** Forget the cached token (the callee refused it, e.g. after a key rotation). */
  invalidate(): void;
}

interface Cached {
  token: string;
  refreshAt: number;
}

/**
 * A service's own access token from the identity provider's `POST /auth/token`. Every caller
 * shares one cached token and at most one request is in flight, so a burst of outgoing calls
 * after expiry costs the identity provider one request, not one per call. When the identity
 * provider is down or refuses the client the error says so (and nothing is cached), so the
 * caller fails with a clear reason rather than sending an unauthenticated request.
 */
export function createServiceTokens(options: ServiceTokensOptions): ServiceTokens {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 2000;
  const refreshBefore = (options.refreshBeforeSeconds ?? 30) * 1000;
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  async function request(): Promise<Cached> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scope) form.set('scope', options.scope);
    const basic = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString('base64');
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
      });
    } catch (error) {
      throw new ServiceTokenError(`the identity provider at ${options.tokenUrl} is unreachable`, {
        cause: error,
      });
    }
    const text = await response.text().catch(() => '');
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // Reported below with the status.
    }
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      const reason = typeof body.error === 'string' ? body.error : `status ${response.status}`;
      throw new ServiceTokenError(
        `the identity provider refused client ${options.clientId} a token (${reason})`,
      );
    }
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 60_000;
    return { token: body.access_token, refreshAt: now() + lifetime - Math.min(refreshBefore, lifetime / 2) };
  }

  async function token(): Promise<string> {
    if (cached && now() < cached.refreshAt) return cached.token;
    pending ??= request()
      .then((fresh) => {
        cached = fresh;
        return fresh;
      })
      .finally(() => {
        pending = undefined;
      });
    return (await pending).token;
  }

  return {
    token,
    authorization: async () => `Bearer ${await token()}`,
    invalidate: () => {
      cached = undefined;
    },
  };
}
