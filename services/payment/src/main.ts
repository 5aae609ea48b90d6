import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

const config = loadConfigOrExit<CommonEnv>('payment', envSchema(5002));
await serve(buildApp({ logLevel: config.LOG_LEVEL }), { port: config.PORT, host: config.HOST });
