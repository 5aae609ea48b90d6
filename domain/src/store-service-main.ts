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
import { type DatabaseEnv, databaseEnvProperties, storageFromEnv } from './storage-env.ts';
import { buildStoreService, type StoreServiceParts } from './store-service.ts';
import type { Awaitable } from './repositories.ts';

interface StoreServiceEnv extends CommonEnv, InternalListenerEnv, BackendAuthEnv, DatabaseEnv {
  MONOLITH_URL: string;
}

/**
 * A store service's entry point: its env (DATA_DIR or DATABASE_URL, MONOLITH_URL, and AUTH_* to verify its
 * callers' tokens, by default against the local monolith), then serve until a signal, the
 * public API on PORT and health, metrics and the subgraph on INTERNAL_PORT.
 */
export async function runStoreService<Store extends { owns(id: string): Awaitable<boolean> }>(
  defaultPort: number,
  defaultInternalPort: number,
  parts: StoreServiceParts<Store>,
) {
  await startTracing(parts.service, { instrumentUndici: true });
  const config = loadConfigOrExit<StoreServiceEnv>(
    parts.service,
    envSchema(defaultPort, {
      ...internalListenerEnv(defaultInternalPort),
      ...databaseEnvProperties,
      MONOLITH_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
      ...backendAuthEnvProperties,
    }),
  );
  await serve(
    buildStoreService(
      {
        ...storageFromEnv(config),
        monolithUrl: config.MONOLITH_URL,
        logLevel: config.LOG_LEVEL,
        authenticator: backendAuthenticatorFromEnv(config),
      },
      parts,
    ),
    listenersFrom(config),
  );
}
