import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig } from '../src/config.ts';

const schema = envSchema(3000, { REDIS_URL: { type: 'string', format: 'uri' } });

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig<{ PORT: number; HOST: string; LOG_LEVEL: string }>(schema, {});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    expect(loadConfig<{ PORT: number }>(schema, { PORT: '8081' }).PORT).toBe(8081);
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PORT must be integer/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/REDIS_URL must match format "uri"/);
  });

  it('treats an empty variable as unset and ignores variables it does not know', () => {
    const config = loadConfig<Record<string, unknown>>(schema, { PORT: '', SECRET: 'x' });
    expect(config.PORT).toBe(3000);
    expect(config).not.toHaveProperty('SECRET');
  });
});
