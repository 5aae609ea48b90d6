import { type CommonEnv, envSchema, type InternalListenerEnv, internalListenerEnv } from '@fig/platform';
import { devServiceClients, type ServiceClient } from '@fig/platform/auth/dev-service-clients';

export interface MonolithEnv extends CommonEnv, InternalListenerEnv {
  DATA_DIR: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_TOKEN_TTL_SECONDS: number;
  LEGACY_LATENCY_MS: number;
  LEGACY_CHECKOUT_LATENCY_MS: number;
  INTERNAL_TOKEN?: string;
  SERVICE_CLIENTS: ServiceClient[];
  REDIS_URL?: string;
}

// A scope travels in a space-separated claim: printable ASCII without spaces or quotes.
const scope = { type: 'string', pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,64}$' };

/** `[{ "id", "secret", "scopes": [...] }]`: the clients `POST /auth/token` issues service tokens to. */
export const serviceClientsSchema = {
  type: 'array',
  contentMediaType: 'application/json',
  maxItems: 100,
  items: {
    type: 'object',
    required: ['id', 'secret', 'scopes'],
    additionalProperties: false,
    properties: {
      // The token's subject is `svc:<id>`, forwarded as a header value.
      id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
      secret: { type: 'string', minLength: 16, maxLength: 256 },
      scopes: { type: 'array', items: scope, uniqueItems: true, maxItems: 50 },
    },
  },
  default: devServiceClients,
};

export const monolithEnvSchema = envSchema(3000, {
  // Health, metrics, the legacy subgraph and /internal/*: for Fig's own parts only.
  ...internalListenerEnv(3100),
  DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
  AUTH_ISSUER: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
  AUTH_AUDIENCE: { type: 'string', minLength: 1, default: 'fig' },
  AUTH_TOKEN_TTL_SECONDS: { type: 'integer', minimum: 60, maximum: 86_400, default: 3600 },
  // The legacy system is slow on purpose, so a migrated route is visibly faster.
  LEGACY_LATENCY_MS: { type: 'integer', minimum: 0, maximum: 10_000, default: 30 },
  LEGACY_CHECKOUT_LATENCY_MS: { type: 'integer', minimum: 0, maximum: 10_000, default: 120 },
  INTERNAL_TOKEN: { type: 'string', minLength: 16 },
  SERVICE_CLIENTS: serviceClientsSchema,
  // The event streams (docs/events.md): when set, orders placed by checkout are learnt from them.
  REDIS_URL: { type: 'string', pattern: '^rediss?://' },
});

/** Client ids registered twice: a config error (which secret would count?). */
export function duplicateClientIds(clients: ServiceClient[]): string[] {
  const ids = clients.map((client) => client.id);
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}
