import { loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';
import { type MonolithEnv, monolithEnvSchema } from './config.ts';

const config = loadConfigOrExit<MonolithEnv>('monolith', monolithEnvSchema);
const app = await buildApp({
  dataDir: config.DATA_DIR,
  logLevel: config.LOG_LEVEL,
  issuer: config.AUTH_ISSUER,
  audience: config.AUTH_AUDIENCE,
  tokenTtlSeconds: config.AUTH_TOKEN_TTL_SECONDS,
  latencyMs: config.LEGACY_LATENCY_MS,
  checkoutLatencyMs: config.LEGACY_CHECKOUT_LATENCY_MS,
  internalToken: config.INTERNAL_TOKEN,
});
await serve(app, { port: config.PORT, host: config.HOST });
