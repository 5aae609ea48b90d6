import { errors, jwtVerify, type JWTPayload } from 'jose';
import { KeysUnavailableError, type KeyStore } from './key-store.ts';
import { TokenCache, type VerifiedToken } from './token-cache.ts';

export interface AuthenticatorOptions {
  keys: KeyStore;
  issuer?: string;
  audience?: string;
  /** Asymmetric algorithms only: a symmetric one would let the public key sign tokens. */
  algorithms: string[];
  clockToleranceSec: number;
  maxTokenAgeSec: number;
  /** Longer tokens are refused before any parsing. */
  maxTokenBytes: number;
  cacheEntries?: number;
}

export type AuthOutcome =
  | { ok: true; token: VerifiedToken }
  | { ok: false; status: 401; description: string }
  | { ok: false; status: 503; description: string };

export const asymmetricAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

// A compact JWS: three base64url parts. Anything else is refused before jose sees it.
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

// The subject travels upstream as a header value, so it must be one.
const headerSafe = /^[\x21-\x7e]{1,256}$/;

function scopesOf(payload: JWTPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  const listed = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scp) ? scp : [];
  return listed.filter((s): s is string => typeof s === 'string' && headerSafe.test(s));
}

// Descriptions go to clients in WWW-Authenticate: fixed phrases, never the token's content.
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWTClaimValidationFailed && /^[a-z]{2,4}$/.test(error.claim)) {
    return `${error.claim} claim invalid`;
  }
  return 'token malformed';
}

/**
 * Verifies bearer tokens with jose against the key store and remembers verified ones until
 * they expire. Never throws: every outcome is a value the auth plugin turns into a response.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #cache: TokenCache;

  constructor(options: AuthenticatorOptions) {
    const unsafe = options.algorithms.filter((alg) => !asymmetricAlgorithms.includes(alg));
    if (unsafe.length > 0) throw new Error(`not asymmetric algorithms: ${unsafe.join(', ')}`);
    this.#options = options;
    this.#cache = new TokenCache(options.cacheEntries);
  }

  /** Fetches the keys ahead of the first token; false when none could be had. */
  async warmUp(): Promise<boolean> {
    await this.#options.keys.refresh();
    return this.#options.keys.hasKeys();
  }

  get keys(): KeyStore {
    return this.#options.keys;
  }

  /** A token verified earlier and still valid, without verifying: one map lookup. */
  verifiedBefore(token: string): VerifiedToken | undefined {
    if (token.length > this.#options.maxTokenBytes) return undefined;
    return this.#cache.get(token);
  }

  /** The subject of a token verified earlier, without verifying. */
  knownSubject(token: string): string | undefined {
    return this.verifiedBefore(token)?.subject;
  }

  async authenticate(token: string): Promise<AuthOutcome> {
    if (token.length > this.#options.maxTokenBytes) return this.#invalid('token too large');
    // Only verified tokens are cached, so a hit needs no check of the token's shape.
    const cached = this.#cache.get(token);
    if (cached) return { ok: true, token: cached };
    if (!compactJws.test(token)) return this.#invalid('token malformed');
    try {
      const { payload } = await jwtVerify(token, this.#options.keys.getKey, {
        algorithms: this.#options.algorithms,
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSec,
        maxTokenAge: this.#options.maxTokenAgeSec,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || !headerSafe.test(payload.sub))
        return this.#invalid('sub claim invalid');
      const maxAgeEnd = ((payload.iat as number) + this.#options.maxTokenAgeSec) * 1000;
      const verified: VerifiedToken = {
        subject: payload.sub as string,
        scopes: scopesOf(payload),
        validUntil: Math.min((payload.exp as number) * 1000, maxAgeEnd),
      };
      this.#cache.set(token, verified);
      return { ok: true, token: verified };
    } catch (error) {
      if (error instanceof KeysUnavailableError) {
        return { ok: false, status: 503, description: 'signing keys unavailable' };
      }
      return this.#invalid(describe(error));
    }
  }

  #invalid(description: string): AuthOutcome {
    return { ok: false, status: 401, description };
  }
}
