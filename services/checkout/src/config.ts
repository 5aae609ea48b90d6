import { type CommonEnv, envSchema, type InternalListenerEnv, internalListenerEnv } from '@fig/platform';
import { type DatabaseEnv, databaseEnvProperties } from '@fig/domain/storage-env';
import { type BackendAuthEnv, backendAuthEnvProperties } from '@fig/platform/auth/backend-auth';
import { type ServiceClientEnv, serviceClientEnvProperties } from '@fig/platform/auth/service-tokens';

export interface CheckoutEnv
  extends CommonEnv, InternalListenerEnv, BackendAuthEnv, ServiceClientEnv, DatabaseEnv {
  INVENTORY_URL: string;
  PAYMENT_URL: string;
  MONOLITH_URL: string;
  MONOLITH_INTERNAL_URL: string;
  INTERNAL_TOKEN?: string;
  UPSTREAM_TIMEOUT_MS: number;
  BREAKER_RESET_MS: number;
  RESERVATION_TTL_SECONDS: number;
  SAGA_RECOVERY_INTERVAL_MS: number;
  SAGA_LEASE_MS: number;
  REDIS_URL?: string;
}

export const checkoutEnvSchema = envSchema(5001, {
  // Health, metrics and the subgraph: for Fig's own parts only.
  ...internalListenerEnv(5101),
  ...databaseEnvProperties,
  INVENTORY_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:5003' },
  PAYMENT_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:5002' },
  // The monolith's public REST (cart adoption) and its internal listener (orders delivered from the outbox).
  MONOLITH_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
  MONOLITH_INTERNAL_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3100' },
  // Sent as x-internal-token when the monolith protects /internal with one.
  INTERNAL_TOKEN: { type: 'string', minLength: 16 },
  UPSTREAM_TIMEOUT_MS: { type: 'integer', minimum: 50, maximum: 60_000, default: 2000 },
  BREAKER_RESET_MS: { type: 'integer', minimum: 100, maximum: 600_000, default: 5000 },
  // The longest a crashed checkout can hold stock: the reservation's TTL.
  RESERVATION_TTL_SECONDS: { type: 'integer', minimum: 1, maximum: 86_400, default: 300 },
  SAGA_RECOVERY_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 5000 },
  // A replica killed mid-saga leaves it to another after this long; longer than any one step takes.
  SAGA_LEASE_MS: { type: 'integer', minimum: 500, maximum: 3_600_000, default: 30_000 },
  // The event streams (docs/events.md): when set, the outbox's events are published there and the
  // monolith learns of orders from the stream; unset, orders go to PUT /internal/orders instead.
  REDIS_URL: { type: 'string', pattern: '^rediss?://' },
  // Who its callers are (their tokens' keys), and how it gets its own token for the saga's calls.
  ...backendAuthEnvProperties,
  ...serviceClientEnvProperties('checkout'),
});
