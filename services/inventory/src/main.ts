import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

interface InventoryEnv extends CommonEnv {
  DATA_DIR: string;
}

const config = loadConfigOrExit<InventoryEnv>(
  'inventory',
  envSchema(5003, { DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' } }),
);
await serve(buildApp({ dataDir: config.DATA_DIR, logLevel: config.LOG_LEVEL }), {
  port: config.PORT,
  host: config.HOST,
});
