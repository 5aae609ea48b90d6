import { listenersFrom, loadConfigOrExit, serve } from '@fig/platform';
import { startTracing } from '@fig/platform/tracing';
import { backendAuthenticatorFromEnv } from '@fig/platform/auth/backend-auth';
import { createServiceTokens } from '@fig/platform/auth/service-tokens';
import { storageFromEnv } from '@fig/domain/storage-env';
import { buildApp } from './app.ts';
import { type CheckoutEnv, checkoutEnvSchema } from './config.ts';

await startTracing('checkout', { instrumentUndici: true });
const config = loadConfigOrExit<CheckoutEnv>('checkout', checkoutEnvSchema);
await serve(
  buildApp({
    ...storageFromEnv(config),
    inventoryUrl: config.INVENTORY_URL,
    paymentUrl: config.PAYMENT_URL,
    monolithUrl: config.MONOLITH_URL,
    monolithInternalUrl: config.MONOLITH_INTERNAL_URL,
    internalToken: config.INTERNAL_TOKEN,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    breakerResetMs: config.BREAKER_RESET_MS,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    recoveryIntervalMs: config.SAGA_RECOVERY_INTERVAL_MS,
    sagaLeaseMs: config.SAGA_LEASE_MS,
    redisUrl: config.REDIS_URL,
    logLevel: config.LOG_LEVEL,
    authenticator: backendAuthenticatorFromEnv(config),
    serviceTokens: createServiceTokens({
      tokenUrl: config.AUTH_TOKEN_URL,
      clientId: config.SERVICE_CLIENT_ID,
      clientSecret: config.SERVICE_CLIENT_SECRET,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    }),
  }),
  listenersFrom(config),
);
