import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonRequest } from '@fig/testing/json-request';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function runWithEnv(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stderr };
}

describe('monolith main', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fig-monolith-main-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses bad configuration loudly, naming every problem, and exits non-zero', async () => {
    const { code, stderr } = await runWithEnv({
      PORT: 'eighty',
      LEGACY_LATENCY_MS: '-1',
      AUTH_ISSUER: 'not a url',
      AUTH_TOKEN_TTL_SECONDS: '5',
      INTERNAL_TOKEN: 'short',
      LOG_LEVEL: 'chatty',
    });
    expect(code).toBe(78); // EX_CONFIG
    for (const variable of [
      'PORT',
      'LEGACY_LATENCY_MS',
      'AUTH_ISSUER',
      'AUTH_TOKEN_TTL_SECONDS',
      'INTERNAL_TOKEN',
      'LOG_LEVEL',
    ]) {
      expect(stderr).toContain(variable);
    }
  });

  it.each([
    ['not JSON', '[{"id":'],
    ['a short secret', '[{"id":"checkout","secret":"short","scopes":[]}]'],
    ['an id that is no header value', '[{"id":"Check Out","secret":"a-long-enough-secret","scopes":[]}]'],
    [
      'a client twice',
      '[{"id":"a","secret":"a-long-enough-secret","scopes":[]},{"id":"a","secret":"another-long-secret","scopes":[]}]',
    ],
  ])('refuses SERVICE_CLIENTS with %s', async (_name, value) => {
    const { code, stderr } = await runWithEnv({ SERVICE_CLIENTS: value });
    expect(code).toBe(78);
    expect(stderr).toContain('SERVICE_CLIENTS');
  });

  it('starts from env, serves, drains on SIGTERM, and finds its data again on the next start', async () => {
    const env = {
      DATA_DIR: dataDir,
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
      AUTH_AUDIENCE: 'tour',
    };
    const first = await spawnDeployable('monolith-stub', { env });
    const login = await jsonRequest(`${first.url}/auth/login`, {
      body: { username: 'bob', password: 'password' },
    });
    const claims = JSON.parse(Buffer.from(login.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims.aud).toBe('tour');
    const cart = await jsonRequest(`${first.url}/api/carts`, {
      method: 'POST',
      token: login.body.access_token,
    });
    expect(await first.stop()).toBe(0);

    const second = await spawnDeployable('monolith-stub', { env });
    try {
      const again = await jsonRequest(`${second.url}/api/carts/${cart.body.cart_id}`, {
        token: login.body.access_token,
      });
      expect(again.status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
