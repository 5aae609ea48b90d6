import { fileURLToPath } from 'node:url';
import type { CommonEnv } from '../config.ts';
import { envSchema } from '../config.ts';

const defaultRules = fileURLToPath(new URL('../../../routing-rules/routes.yaml', import.meta.url));

export interface BffEnv extends CommonEnv {
  SUPERGRAPH_PATH: string;
  ROUTING_RULES: string;
  SUBGRAPH_TIMEOUT_MS: number;
  TRUST_PROXY: string;
  SUBGRAPH_URLS?: string;
  SUBGRAPH_TIMEOUTS?: string;
  SHARE_IDENTICAL_OPERATIONS: boolean;
}

/** TRUST_PROXY as Fastify takes it: true, false, or a list of proxy addresses/CIDRs. */
export function trustProxyFrom(value: string): boolean | string {
  return value === 'true' ? true : value === 'false' ? false : value;
}

/** The env both BFFs read; `supergraphPath` is the BFF's own checked-in supergraph. */
export function bffEnvSchema(port: number, supergraphPath: string, own: Record<string, object> = {}) {
  return envSchema(port, {
    SUPERGRAPH_PATH: { type: 'string', minLength: 1, default: supergraphPath },
    ROUTING_RULES: { type: 'string', minLength: 1, default: defaultRules },
    SUBGRAPH_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 5000 },
    TRUST_PROXY: { type: 'string', minLength: 1, default: 'true' },
    SUBGRAPH_URLS: {
      type: 'string',
      pattern: '^([a-z0-9_-]+=https?://[^,=]+)(,[a-z0-9_-]+=https?://[^,=]+)*$',
    },
    SUBGRAPH_TIMEOUTS: { type: 'string', pattern: '^([a-z0-9_-]+=[0-9]+)(,[a-z0-9_-]+=[0-9]+)*$' },
    SHARE_IDENTICAL_OPERATIONS: { type: 'boolean', default: false },
    ...own,
  });
}
