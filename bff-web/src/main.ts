import { loadConfigOrExit, serve } from '@fig/common';
import { type BffEnv, bffEnvSchema, bffOptionsFrom } from '@fig/common/federation';
import { buildApp, defaultSupergraphPath } from './app.ts';

const config = loadConfigOrExit<BffEnv>('bff-web', bffEnvSchema(4001, defaultSupergraphPath));
await serve(buildApp(bffOptionsFrom(config)), { port: config.PORT, host: config.HOST });
