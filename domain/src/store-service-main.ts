import {
  type BackendAuthEnv,
  backendAuthEnvProperties,
  backendAuthenticatorFromEnv,
} from '@fig/platform/auth/backend-auth';
import {
  type CommonEnv,
  envSchema,
  type InternalListenerEnv,
  internalListenerEnv,
  listenersFrom,
  loadConfigOrExit,
} from '@fig/platform/config';
import { serve } from '@fig/platform/shutdown';
import { startTracing } from '@fig/platform/tracing';
import { buildStoreService, type StoreServiceParts } from './store-service.ts';

interface StoreServiceEnv extends CommonEnv, InternalListenerEnv, BackendAuthEnv {
  DATA_DIR: string;
  MONOLITH_URL: string;
}

/**
 * A store service's entry point: its env (DATA_DIR, MONOLITH_URL, and AUTH_* to verify its
 * callers' tokens, by default against the local monolith), then serve until a signal, the
 * public API on PORT and health, metrics and the subgraph on INTERNAL_PORT.
 */
export async function runStoreService<Store>(
  defaultPort: number,
  defaultInternalPort: number,
  parts: StoreServiceParts<Store>,
) {
  await startTracing(parts.service, { instrumentUndici: true });
  const config = loadConfigOrExit<StoreServiceEnv>(
    parts.service,
    envSchema(defaultPort, {
      ...internalListenerEnv(defaultInternalPort),
      DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
      MONOLITH_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
      ...backendAuthEnvProperties,
    }),
  );
  await serve(
    buildStoreService(
      {
        dataDir: config.DATA_DIR,
        monolithUrl: config.MONOLITH_URL,
        logLevel: config.LOG_LEVEL,
        authenticator: backendAuthenticatorFromEnv(config),
      },
      parts,
    ),
    listenersFrom(config),
  );
}
