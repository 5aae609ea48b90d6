import { loadConfigOrExit, serve } from '@fig/common';
import {
  type BffEnv,
  bffEnvSchema,
  parseSubgraphTimeouts,
  parseSubgraphUrls,
  trustProxyFrom,
} from '@fig/common/federation';
import { buildApp, defaultDocumentsPath, defaultSupergraphPath } from './app.ts';

interface MobileEnv extends BffEnv {
  TRUSTED_DOCUMENTS: string;
}

const config = loadConfigOrExit<MobileEnv>(
  'bff-mobile',
  bffEnvSchema(4002, defaultSupergraphPath, {
    TRUSTED_DOCUMENTS: { type: 'string', minLength: 1, default: defaultDocumentsPath },
  }),
);
await serve(
  buildApp({
    logLevel: config.LOG_LEVEL,
    supergraphPath: config.SUPERGRAPH_PATH,
    rulesPath: config.ROUTING_RULES,
    documentsPath: config.TRUSTED_DOCUMENTS,
    production: config.NODE_ENV === 'production',
    subgraph: { timeoutMs: config.SUBGRAPH_TIMEOUT_MS },
    trustProxy: trustProxyFrom(config.TRUST_PROXY),
    shareIdenticalOperations: config.SHARE_IDENTICAL_OPERATIONS,
    subgraphUrls: parseSubgraphUrls(config.SUBGRAPH_URLS),
    subgraphTimeouts: parseSubgraphTimeouts(config.SUBGRAPH_TIMEOUTS),
  }),
  { port: config.PORT, host: config.HOST },
);
