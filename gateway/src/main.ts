import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

interface GatewayEnv extends CommonEnv {
  ADMIN_PORT: number;
  ADMIN_HOST: string;
}

const config = loadConfigOrExit<GatewayEnv>(
  'gateway',
  envSchema(8080, {
    ADMIN_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9901 },
    ADMIN_HOST: { type: 'string', default: '127.0.0.1' },
  }),
);
const { app, admin } = buildApp({ logLevel: config.LOG_LEVEL });
await serve(admin, { port: config.ADMIN_PORT, host: config.ADMIN_HOST });
await serve(app, { port: config.PORT, host: config.HOST });
