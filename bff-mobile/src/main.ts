import { listenersFrom, loadConfigOrExit, serve } from '@fig/platform';
import { startTracing } from '@fig/platform/tracing';
import { type BffEnv, bffEnvSchema, bffOptionsFrom } from '@fig/federation';
import { buildApp, defaultDocumentsPath, defaultSupergraphPath } from './app.ts';

interface MobileEnv extends BffEnv {
  TRUSTED_DOCUMENTS: string;
}

await startTracing('bff-mobile', { instrumentUndici: true });
const config = loadConfigOrExit<MobileEnv>(
  'bff-mobile',
  bffEnvSchema(4002, 4102, defaultSupergraphPath, {
    TRUSTED_DOCUMENTS: { type: 'string', minLength: 1, default: defaultDocumentsPath },
  }),
);
await serve(
  buildApp({ ...bffOptionsFrom(config), documentsPath: config.TRUSTED_DOCUMENTS }),
  listenersFrom(config),
);
