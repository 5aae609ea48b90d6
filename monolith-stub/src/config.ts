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
  INVENTORY_URL?: string;
  INVENTORY_INTERNAL_URL?: string;
  STOCK_HOLD_SECONDS: number;
  STOCK_SYNC_INTERVAL_MS: number;
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
  // Set (with its internal listener) once the inventory service is the system of record for
  // stock: this side's stock writes go there and its copy follows (docs/data-consistency.md).
  INVENTORY_URL: { type: 'string', format: 'uri' },
  INVENTORY_INTERNAL_URL: { type: 'string', format: 'uri' },
  // How long a unit held there for an order placed here may wait for its commit.
  STOCK_HOLD_SECONDS: { type: 'integer', minimum: 10, maximum: 86_400, default: 300 },
  STOCK_SYNC_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 5000 },
});

/** Client ids registered twice: a config error (which secret would count?). */
export function duplicateClientIds(clients: ServiceClient[]): string[] {
  const ids = clients.map((client) => client.id);
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}
