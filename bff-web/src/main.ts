import { listenersFrom, loadConfigOrExit, serve } from '@fig/platform';
import { startTracing } from '@fig/platform/tracing';
import { type BffEnv, bffEnvSchema, bffOptionsFrom } from '@fig/federation';
import { buildApp, defaultSupergraphPath } from './app.ts';

await startTracing('bff-web', { instrumentUndici: true });
const config = loadConfigOrExit<BffEnv>('bff-web', bffEnvSchema(4001, 4101, defaultSupergraphPath));
await serve(buildApp(bffOptionsFrom(config)), listenersFrom(config));
