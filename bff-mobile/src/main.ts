import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

const config = loadConfigOrExit<CommonEnv>('bff-mobile', envSchema(4002));
await serve(buildApp({ logLevel: config.LOG_LEVEL }), { port: config.PORT, host: config.HOST });
