import { ConfigError, loadConfig } from '@fig/platform';
import { describe, expect, it } from 'vitest';
import { type GatewayConfig, gatewayEnvSchema } from '../src/config.ts';

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
