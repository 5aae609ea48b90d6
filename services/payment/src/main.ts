import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

interface PaymentEnv extends CommonEnv {
  DATA_DIR: string;
  MONOLITH_URL: string;
}

const config = loadConfigOrExit<PaymentEnv>(
  'payment',
  envSchema(5002, {
    DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
    MONOLITH_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
  }),
);
await serve(
  buildApp({ dataDir: config.DATA_DIR, monolithUrl: config.MONOLITH_URL, logLevel: config.LOG_LEVEL }),
  {
    port: config.PORT,
    host: config.HOST,
  },
);
