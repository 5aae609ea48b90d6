import { startEchoUpstream, type RunningEchoUpstream } from '@fig/testing/echo-upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../edge-security/raw-http.ts';
import { type RunningGateway, splitRules, startGateway } from '../../gateway/test/gateway-harness.ts';

// The admin port behind a DNS-rebinding page, a stolen scrape credential and odd Host
// spellings. Requests are written byte for byte: fetch will not send a Host of our choosing.

const adminToken = 'admin-host-test-admin-token';
const metricsToken = 'admin-host-test-metrics-token';
let monolith: RunningEchoUpstream;
let gateway: RunningGateway;
let port: string;

beforeAll(async () => {
  monolith = await startEchoUpstream('monolith');
  gateway = await startGateway(splitRules({ monolith: monolith.url, service: monolith.url }, 0), {
    ADMIN_TOKEN: adminToken,
    METRICS_TOKEN: metricsToken,
    ADMIN_ALLOWED_HOSTS: 'gateway-admin,Admin.Example,fd00::5',
  });
  port = new URL(gateway.adminUrl).port;
});

afterAll(async () => {
  await gateway?.close();
  await monolith?.close();
});

/** One admin request with exactly these header lines (`Host: …` included or not). */
async function admin(target: string, lines: string[], method = 'GET', version = '1.1') {
  const response = await rawRequest(
    gateway.adminUrl,
    `${method} ${target} HTTP/${version}\r\n${[...lines, 'Connection: close'].join('\r\n')}\r\n\r\n`,
  );
  return {
    status: response.status,
    code: /"code":"([A-Z_]+)"/.exec(response.body)?.[1],
    body: response.body,
  };
}

const bearer = (token: string) => `Authorization: Bearer ${token}`;
const routes: Array<[string, string]> = [
  ['GET', '/health/live'],
  ['GET', '/health/ready'],
  ['GET', '/metrics'],
  ['GET', '/rules'],
  ['GET', '/comparisons'],
  ['DELETE', '/comparisons/inventory'],
  ['GET', '/dashboard'],
  ['GET', '/dashboard/assets/dashboard.js'],
  ['GET', '/no-such-route'],
];

describe('the admin port refuses requests addressed to another name', () => {
  const foreign = [
    'evil.example',
    'attacker.com:9901',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'evil.example:{port}',
    'localhost.',
    'gateway-admin.evil.example',
    '[::2]',
    '127.0.0.2',
    '0.0.0.0',
    'evil.example@127.0.0.1',
    '127.0.0.1:{port}@evil.example',
    'localhost:{port}/x',
    'localhost :{port}',
    '[::1',
    '::1',
    '',
  ];

  it('on every route, with the admin token or without, before looking at it', async () => {
    for (const host of foreign) {
      for (const [method, path] of routes) {
        for (const auth of [[], [bearer(adminToken)]]) {
          const answer = await admin(path, [`Host: ${host.replaceAll('{port}', port)}`, ...auth], method);
          expect({ host, path, ...answer }).toMatchObject({
            host,
            path,
            status: 421,
            code: 'GW_ERR_ADMIN_HOST_REFUSED',
          });
          expect(answer.body).not.toContain('evil');
        }
      }
    }
  });

  it('without a Host, or with two', async () => {
    for (const [method, path] of routes) {
      for (const [version, lines] of [
        ['1.0', []],
        ['1.1', []],
        ['1.1', [`Host: localhost:${port}`, 'Host: evil.example']],
        ['1.1', ['Host: evil.example', `Host: localhost:${port}`]],
      ] as const) {
        const answer = await admin(path, [...lines, bearer(adminToken)], method, version);
        expect({ path, version, lines, ...answer }).toMatchObject({
          status: 421,
          code: 'GW_ERR_ADMIN_HOST_REFUSED',
        });
      }
    }
  });
});

describe('the admin port answers to its own names', () => {
  it('loopback, ADMIN_HOST and ADMIN_ALLOWED_HOSTS, in any case, on any port', async () => {
    const own = [
      'localhost',
      `localhost:${port}`,
      'LocalHost:1',
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '[::1]',
      `[::1]:${port}`,
      '[0:0:0:0:0:0:0:1]:80',
      'gateway-admin:9901',
      'GATEWAY-ADMIN',
      'admin.example',
      '[fd00::5]:9901',
      '[FD00:0::5]',
    ];
    for (const host of own) {
      const rules = await admin('/rules', [`Host: ${host}`, bearer(adminToken)]);
      expect({ host, status: rules.status }).toEqual({ host, status: 200 });
      const live = await admin('/health/live', [`Host: ${host}`]);
      expect({ host, status: live.status }).toEqual({ host, status: 200 });
    }
  });
});

describe('the metrics token', () => {
  const host = () => `Host: 127.0.0.1:${port}`;

  it('opens /metrics and nothing else', async () => {
    for (const target of ['/metrics', '/metrics?name[]=gateway_requests_total']) {
      const scrape = await admin(target, [host(), bearer(metricsToken)]);
      expect(scrape.status).toBe(200);
      expect(scrape.body).toContain('gateway_rules_info');
    }
    expect((await admin('/metrics', [host(), bearer(metricsToken)], 'HEAD')).status).toBe(200);
    const guarded = routes.filter(([, path]) =>
      ['/rules', '/comparisons', '/no-such-route'].includes(path.replace(/\/inventory$/, '')),
    );
    expect(guarded).toHaveLength(4);
    for (const [method, path] of guarded) {
      const answer = await admin(path, [host(), bearer(metricsToken)], method);
      expect({ path, ...answer }).toMatchObject({ path, status: 401, code: 'GW_ERR_ADMIN_UNAUTHORIZED' });
    }
  });

  it('leaves the admin token working everywhere, and a wrong token nowhere', async () => {
    expect((await admin('/rules', [host(), bearer(adminToken)])).status).toBe(200);
    expect((await admin('/comparisons', [host(), bearer(adminToken)])).status).toBe(200);
    expect((await admin('/metrics', [host(), bearer(adminToken)])).status).toBe(200);
    for (const given of [
      [],
      [bearer(`${metricsToken}x`)],
      [bearer(metricsToken.slice(0, -1))],
      [`Authorization: ${metricsToken}`],
      [`Authorization: bearer ${metricsToken}`],
      [`Authorization: Bearer  ${metricsToken}`],
    ]) {
      const answer = await admin('/metrics', [host(), ...given]);
      expect({ given, ...answer }).toMatchObject({ status: 401, code: 'GW_ERR_ADMIN_UNAUTHORIZED' });
    }
  });

  it('keeps the health probes open without any token', async () => {
    expect((await admin('/health/live', [host()])).status).toBe(200);
    expect((await admin('/health/ready', [host()])).status).toBe(200);
  });
});
