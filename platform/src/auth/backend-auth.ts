import { Authenticator } from './authenticator.ts';
import { createKeyStore, type KeyStore } from './key-store.ts';

/** How a backend (monolith, services, BFFs) finds and checks the keys of the tokens it is sent. */
export interface BackendAuthEnv {
  AUTH_JWKS_URL: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
}

/** One line in a deployable's env schema: `envSchema(port, { ...backendAuthEnvProperties, ... })`. */
export const backendAuthEnvProperties = {
  AUTH_JWKS_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000/.well-known/jwks.json' },
  AUTH_ISSUER: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
  AUTH_AUDIENCE: { type: 'string', minLength: 1, default: 'fig' },
} as const;

export interface BackendAuthenticatorOptions {
  issuer: string;
  audience: string;
  /** The JWKS endpoint; ignored when `keys` is given (the identity provider verifying its own tokens). */
  jwksUrl?: string;
  keys?: KeyStore;
  /** Verified tokens remembered (default 10,000); 0 verifies every request. */
  cacheEntries?: number;
}

/**
 * The gateway's verifier with the edge's defaults: asymmetric algorithms only, issuer and
 * audience always checked, 30 s clock tolerance, tokens at most a day old.
 */
export function createBackendAuthenticator(options: BackendAuthenticatorOptions): Authenticator {
  return new Authenticator({
    keys: options.keys ?? createKeyStore({ url: options.jwksUrl }),
    issuer: options.issuer,
    audience: options.audience,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clockToleranceSec: 30,
    maxTokenAgeSec: 86_400,
    maxTokenBytes: 8192,
    cacheEntries: options.cacheEntries,
  });
}

export function backendAuthenticatorFromEnv(env: BackendAuthEnv): Authenticator {
  return createBackendAuthenticator({
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  });
}
