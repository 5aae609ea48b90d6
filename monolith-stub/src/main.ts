import { type CommonEnv, envSchema, loadConfigOrExit, serve } from '@fig/common';
import { buildApp } from './app.ts';

const config = loadConfigOrExit<CommonEnv>('monolith', envSchema(3000));
await serve(buildApp({ logLevel: config.LOG_LEVEL }), { port: config.PORT, host: config.HOST });
