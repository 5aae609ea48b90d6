import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

const config = loadConfigOrExit<CommonEnv>('checkout', envSchema(5001));
await serve(buildApp({ logLevel: config.LOG_LEVEL }), { port: config.PORT, host: config.HOST });
