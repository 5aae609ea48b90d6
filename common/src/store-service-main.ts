import type { FastifyInstance } from 'fastify';
import { type CommonEnv, envSchema, loadConfigOrExit } from './config.ts';
import { serve } from './shutdown.ts';
import type { StoreServiceOptions } from './store-service.ts';

interface StoreServiceEnv extends CommonEnv {
  DATA_DIR: string;
  MONOLITH_URL: string;
}

/** A store service's entry point: its env (DATA_DIR, MONOLITH_URL), then serve until a signal. */
export async function runStoreService(
  service: string,
  defaultPort: number,
  buildApp: (options: StoreServiceOptions) => FastifyInstance,
) {
  const config = loadConfigOrExit<StoreServiceEnv>(
    service,
    envSchema(defaultPort, {
      DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
      MONOLITH_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
    }),
  );
  await serve(
    buildApp({ dataDir: config.DATA_DIR, monolithUrl: config.MONOLITH_URL, logLevel: config.LOG_LEVEL }),
    { port: config.PORT, host: config.HOST },
  );
}
