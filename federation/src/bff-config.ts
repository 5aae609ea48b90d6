import { defaultRulesPath } from '@fig/routing-rules/paths';
import { type BackendAuthEnv, backendAuthEnvProperties } from '@fig/platform/auth/backend-auth';
import type { CommonEnv, InternalListenerEnv } from '@fig/platform/config';
import { envSchema, internalListenerEnv } from '@fig/platform/config';
import { trustProxyEnvProperty, trustProxyOption } from '@fig/platform/trust-proxy';
import { parseSubgraphTimeouts, parseSubgraphUrls } from './stack-subgraphs.ts';

export interface BffEnv extends CommonEnv, InternalListenerEnv, BackendAuthEnv {
  SUPERGRAPH_PATH: string;
  ROUTING_RULES: string;
  SUBGRAPH_TIMEOUT_MS: number;
  TRUST_PROXY: string;
  SUBGRAPH_URLS?: string;
  SUBGRAPH_TIMEOUTS?: string;
  SHARE_IDENTICAL_OPERATIONS: boolean;
  /** Where the gateways keep ramp shares (§ ramps): override labels follow them. */
  REDIS_URL?: string;
}

/**
 * The env both BFFs read: the client GraphQL endpoint on `port`, health and metrics on
 * `internalPort`; `supergraphPath` is the BFF's own checked-in supergraph.
 */
export function bffEnvSchema(
  port: number,
  internalPort: number,
  supergraphPath: string,
  own: Record<string, object> = {},
) {
  return envSchema(port, {
    ...internalListenerEnv(internalPort),
    SUPERGRAPH_PATH: { type: 'string', minLength: 1, default: supergraphPath },
    ROUTING_RULES: { type: 'string', minLength: 1, default: defaultRulesPath },
    SUBGRAPH_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 5000 },
    // Behind the gateway by default, which sets X-Forwarded-For itself.
    TRUST_PROXY: trustProxyEnvProperty('true'),
    SUBGRAPH_URLS: {
      type: 'string',
      pattern: '^([a-z0-9_-]+=https?://[^,=]+)(,[a-z0-9_-]+=https?://[^,=]+)*$',
    },
    SUBGRAPH_TIMEOUTS: { type: 'string', pattern: '^([a-z0-9_-]+=[0-9]+)(,[a-z0-9_-]+=[0-9]+)*$' },
    SHARE_IDENTICAL_OPERATIONS: { type: 'boolean', default: false },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    ...backendAuthEnvProperties,
    ...own,
  });
}

/** The BFF options every BFF takes from its env. */
export function bffOptionsFrom(config: BffEnv) {
  return {
    logLevel: config.LOG_LEVEL,
    supergraphPath: config.SUPERGRAPH_PATH,
    rulesPath: config.ROUTING_RULES,
    redisUrl: config.REDIS_URL,
    production: config.NODE_ENV === 'production',
    subgraph: { timeoutMs: config.SUBGRAPH_TIMEOUT_MS },
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    shareIdenticalOperations: config.SHARE_IDENTICAL_OPERATIONS,
    subgraphUrls: parseSubgraphUrls(config.SUBGRAPH_URLS),
    subgraphTimeouts: parseSubgraphTimeouts(config.SUBGRAPH_TIMEOUTS),
    auth: { jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE },
  };
}
