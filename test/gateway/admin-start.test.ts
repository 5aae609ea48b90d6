import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../edge-security/raw-http.ts';

// The gateway as its image runs it (`node gateway/src/main.ts`): what it refuses to start
// with, and an admin port on every interface with both tokens.

const adminToken = 'admin-start-test-admin-token';
const metricsToken = 'admin-start-test-metrics-token';
let dir: string;
let rulesFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fig-admin-start-'));
  rulesFile = join(dir, 'routes.yaml');
  writeFileSync(rulesFile, 'version: 1\nupstreams:\n  monolith: { url: http://127.0.0.1:9 }\nroutes: []\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the gateway until it exits on its own (it is expected to refuse to start). */
async function refusedStart(env: Record<string, string>) {
  const child = spawn(process.execPath, ['gateway/src/main.ts'], {
    cwd: join(import.meta.dirname, '../..'),
    env: { PATH: process.env.PATH, PORT: '0', ADMIN_PORT: '0', ROUTING_RULES: rulesFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, output };
}

describe('the gateway refuses to start', () => {
  it('with the admin port off loopback and no ADMIN_TOKEN, saying why, with every other problem', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'admin.example']) {
      const { code, output } = await refusedStart({ ADMIN_HOST: host, LOG_LEVEL: 'loud' });
      expect({ host, code }).toEqual({ host, code: 78 });
      expect(output).toContain(`ADMIN_TOKEN is required: ADMIN_HOST ${host} is not a loopback address`);
      expect(output).toContain('LOG_LEVEL must be one of');
      expect(output).not.toContain('must match "then" schema');
    }
  });

  it('with a metrics token but no admin token, or the same token twice, or a bad host name', async () => {
    const without = await refusedStart({ METRICS_TOKEN: metricsToken });
    expect(without.code).toBe(78);
    expect(without.output).toContain('METRICS_TOKEN needs ADMIN_TOKEN');
    const same = await refusedStart({ ADMIN_TOKEN: adminToken, METRICS_TOKEN: adminToken });
    expect(same.code).toBe(78);
    expect(same.output).toContain('METRICS_TOKEN must differ from ADMIN_TOKEN');
    expect(same.output).not.toContain(adminToken);
    const badName = await refusedStart({ ADMIN_ALLOWED_HOSTS: 'gateway-admin,evil.example:80,' });
    expect(badName.code).toBe(78);
    expect(badName.output).toContain('"evil.example:80" is not a host name');
    expect(badName.output).toContain('"" is not a host name');
  });
});

describe('an admin port on every interface, with both tokens', () => {
  let gateway: Awaited<ReturnType<typeof spawnDeployable>>;
  let port: string;

  beforeAll(async () => {
    gateway = await spawnDeployable('gateway', {
      env: {
        ADMIN_PORT: '0',
        ADMIN_HOST: '0.0.0.0',
        ADMIN_TOKEN: adminToken,
        METRICS_TOKEN: metricsToken,
        ROUTING_RULES: rulesFile,
        AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
        LOG_LEVEL: 'debug',
      },
      readyAddressIndex: 0,
    });
    port = new URL(gateway.addresses[0]).port;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const get = async (address: string, path: string, lines: string[]) => {
    const response = await rawRequest(
      `http://${address}:${port}`,
      `GET ${path} HTTP/1.1\r\n${[...lines, 'Connection: close'].join('\r\n')}\r\n\r\n`,
    );
    return { status: response.status, code: /"code":"([A-Z_]+)"/.exec(response.body)?.[1] };
  };
  const bearer = (token: string) => `Authorization: Bearer ${token}`;

  it('lets the metrics token scrape /metrics, and only the admin token read /rules', async () => {
    const host = `Host: 127.0.0.1:${port}`;
    expect(await get('127.0.0.1', '/metrics', [host, bearer(metricsToken)])).toEqual({
      status: 200,
      code: undefined,
    });
    expect(await get('127.0.0.1', '/rules', [host, bearer(metricsToken)])).toEqual({
      status: 401,
      code: 'GW_ERR_ADMIN_UNAUTHORIZED',
    });
    expect(await get('127.0.0.1', '/rules', [host, bearer(adminToken)])).toEqual({
      status: 200,
      code: undefined,
    });
    expect(await get('127.0.0.1', '/rules', ['Host: evil.example', bearer(adminToken)])).toEqual({
      status: 421,
      code: 'GW_ERR_ADMIN_HOST_REFUSED',
    });
  });

  // What a kubelet probe and a Prometheus pod scrape send: the pod's address as Host.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((info) => info?.family === 'IPv4' && !info.internal)?.address;
  it.skipIf(!external)('answers to the addresses of its interfaces', async () => {
    const host = `Host: ${external}:${port}`;
    expect(await get(external!, '/health/ready', [host])).toEqual({ status: 200, code: undefined });
    expect(await get(external!, '/metrics', [host, bearer(metricsToken)])).toMatchObject({ status: 200 });
    expect(await get(external!, '/rules', [`Host: ${external}.nip.io:${port}`, bearer(adminToken)])).toEqual({
      status: 421,
      code: 'GW_ERR_ADMIN_HOST_REFUSED',
    });
  });

  it('never writes either token to its log', async () => {
    for (const token of [adminToken, metricsToken, 'a-wrong-token-of-some-length'])
      await get('127.0.0.1', '/rules', [`Host: localhost:${port}`, bearer(token)]);
    expect(gateway.output()).toContain('"url":"/rules"');
    expect(gateway.output()).not.toContain(adminToken);
    expect(gateway.output()).not.toContain(metricsToken);
    expect(gateway.output()).not.toContain('a-wrong-token');
  });
});
