import { ConfigError, loadConfig } from '@fig/platform';
import { describe, expect, it } from 'vitest';
import { type GatewayConfig, gatewayEnvSchema } from '../src/config.ts';
import { trustProxyOption } from '@fig/platform/trust-proxy';
import Fastify from 'fastify';

describe('the failed-authentication budget in the environment', () => {
  it('defaults to 30 failures a minute', () => {
    const config = loadConfig<GatewayConfig>(gatewayEnvSchema, {});
    expect(config.RATE_LIMIT_AUTH_FAILURES).toBe(30);
    expect(config.RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS).toBe(60);
  });

  it('takes other values as integers', () => {
    const config = loadConfig<GatewayConfig>(gatewayEnvSchema, {
      RATE_LIMIT_AUTH_FAILURES: '5',
      RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS: '600',
    });
    expect(config).toMatchObject({
      RATE_LIMIT_AUTH_FAILURES: 5,
      RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS: 600,
    });
  });

  it.each([
    ['RATE_LIMIT_AUTH_FAILURES', '0'],
    ['RATE_LIMIT_AUTH_FAILURES', 'many'],
    ['RATE_LIMIT_AUTH_FAILURES', '2.5'],
    ['RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS', '0'],
    ['RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS', '86401'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig<GatewayConfig>(gatewayEnvSchema, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig<GatewayConfig>(gatewayEnvSchema, { [name]: value })).toThrow(name);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['10.0.0.0/8,127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ['loopback', ['loopback']],
  ])('%s means %j to Fastify', (value, option) => {
    const config = loadConfig<GatewayConfig>(gatewayEnvSchema, { TRUST_PROXY: value });
    expect(trustProxyOption(config.TRUST_PROXY)).toEqual(option);
  });

  it('a hop count trusts that many proxies nearest the gateway, as Fastify counts them', async () => {
    const config = loadConfig<GatewayConfig>(gatewayEnvSchema, { TRUST_PROXY: '2' });
    const app = Fastify({ trustProxy: trustProxyOption(config.TRUST_PROXY) });
    app.get('/', async (request) => ({ ip: request.ip }));
    const answer = await app.inject({
      url: '/',
      remoteAddress: '10.0.0.9',
      headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.1, 10.0.0.1' },
    });
    // The socket's peer and the nearest proxy are trusted; the next address is the client.
    expect(answer.json()).toEqual({ ip: '198.51.100.1' });
  });

  it('defaults to trusting no forwarded header, and refuses anything else', () => {
    expect(trustProxyOption(loadConfig<GatewayConfig>(gatewayEnvSchema, {}).TRUST_PROXY)).toBe(false);
    expect(() => loadConfig<GatewayConfig>(gatewayEnvSchema, { TRUST_PROXY: 'yes please' })).toThrow(
      'TRUST_PROXY',
    );
  });
});
