import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

interface PaymentEnv extends CommonEnv {
  DATA_DIR: string;
}

const config = loadConfigOrExit<PaymentEnv>(
  'payment',
  envSchema(5002, { DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' } }),
);
await serve(buildApp({ dataDir: config.DATA_DIR, logLevel: config.LOG_LEVEL }), {
  port: config.PORT,
  host: config.HOST,
});
