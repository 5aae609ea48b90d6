import { loadConfigOrExit, serve } from '@fig/common';
import {
  type BffEnv,
  bffEnvSchema,
  parseSubgraphTimeouts,
  parseSubgraphUrls,
  trustProxyFrom,
} from '@fig/common/federation';
import { buildApp, defaultSupergraphPath } from './app.ts';

const config = loadConfigOrExit<BffEnv>('bff-web', bffEnvSchema(4001, defaultSupergraphPath));
await serve(
  buildApp({
    logLevel: config.LOG_LEVEL,
    supergraphPath: config.SUPERGRAPH_PATH,
    rulesPath: config.ROUTING_RULES,
    production: config.NODE_ENV === 'production',
    subgraph: { timeoutMs: config.SUBGRAPH_TIMEOUT_MS },
    trustProxy: trustProxyFrom(config.TRUST_PROXY),
    shareIdenticalOperations: config.SHARE_IDENTICAL_OPERATIONS,
    subgraphUrls: parseSubgraphUrls(config.SUBGRAPH_URLS),
    subgraphTimeouts: parseSubgraphTimeouts(config.SUBGRAPH_TIMEOUTS),
  }),
  { port: config.PORT, host: config.HOST },
);
