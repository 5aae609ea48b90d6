import { loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';
import { type CheckoutEnv, checkoutEnvSchema } from './config.ts';

const config = loadConfigOrExit<CheckoutEnv>('checkout', checkoutEnvSchema);
await serve(
  buildApp({
    dataDir: config.DATA_DIR,
    inventoryUrl: config.INVENTORY_URL,
    paymentUrl: config.PAYMENT_URL,
    monolithUrl: config.MONOLITH_URL,
    internalToken: config.INTERNAL_TOKEN,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    breakerResetMs: config.BREAKER_RESET_MS,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    recoveryIntervalMs: config.SAGA_RECOVERY_INTERVAL_MS,
    logLevel: config.LOG_LEVEL,
  }),
  { port: config.PORT, host: config.HOST },
);
