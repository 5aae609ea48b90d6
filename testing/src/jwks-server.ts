import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

export async function createSigningKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Signs a JWT with `key`; `header` overrides or adds protected header fields (kid, alg, ...). */
export function signToken(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

export type JwksMode = 'ok' | 'error' | 'hang' | 'garbage' | 'empty';

export interface RunningJwksServer {
  readonly url: string;
  /** GETs the server has answered (or swallowed) so far. */
  readonly requests: number;
  /** The public keys served from now on. */
  setKeys(keys: SigningKey[]): void;
  /** `error` answers 503, `hang` never answers, `garbage` is broken JSON, `empty` a set without keys. */
  setMode(mode: JwksMode): void;
  close(): Promise<void>;
}

/** A real JWKS endpoint on port 0 whose keys and health a test controls. */
export async function startJwksServer(keys: SigningKey[]): Promise<RunningJwksServer> {
  let served = keys;
  let mode: JwksMode = 'ok';
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (mode === 'hang') return;
    if (mode === 'error') return response.writeHead(503).end();
    if (mode === 'empty') return response.writeHead(200).end('{"keys":[]}');
    if (mode === 'garbage')
      return response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":5');
    response
      .writeHead(200, { 'content-type': 'application/jwk-set+json' })
      .end(JSON.stringify({ keys: served.map((key) => key.publicJwk) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return requests;
    },
    setKeys: (next) => {
      served = next;
    },
    setMode: (next) => {
      mode = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A signing key and a JWKS endpoint publishing it: a test's identity provider for the edge. */
export interface SigningJwks extends RunningJwksServer {
  readonly key: SigningKey;
  /** A token for `sub`, issued now and valid for `seconds`; `claims` add to or override those. */
  token(sub: string, claims?: JWTPayload, seconds?: number): Promise<string>;
}

export async function startSigningJwks(kid = 'k1'): Promise<SigningJwks> {
  const key = await createSigningKey(kid);
  const jwks = await startJwksServer([key]);
  return Object.assign(jwks, {
    key,
    token(sub: string, claims: JWTPayload = {}, seconds = 300) {
      const now = Math.floor(Date.now() / 1000);
      return signToken(key, { sub, iat: now, exp: now + seconds, ...claims });
    },
  });
}
