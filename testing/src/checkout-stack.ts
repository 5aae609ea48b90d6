import { type RunningDeployable, spawnDeployable } from './spawn-deployable.ts';

export const address = {
  name: 'Alice Archer',
  line1: '1 Main St',
  city: 'Berlin',
  postal_code: '10115',
  country: 'DE',
};

/** Verify callers against the monolith's keys: it is the identity provider every service trusts. */
export const trustMonolith = (monolith: RunningDeployable) => ({
  AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json`,
});

/**
 * The checkout service, trusting the monolith's keys and calling the others with the service
 * token the monolith issues it. The upstreams may be proxies; the monolith's internal listener
 * (where the saga records orders) is the monolith's own unless `monolithInternal` says otherwise.
 */
export function spawnCheckout(
  monolith: RunningDeployable,
  upstreams: { inventory: string; payment: string; monolithInternal?: string },
  env: Record<string, string> = {},
) {
  return spawnDeployable('services/checkout', {
    env: {
      ...trustMonolith(monolith),
      AUTH_TOKEN_URL: `${monolith.url}/auth/token`,
      INVENTORY_URL: upstreams.inventory,
      PAYMENT_URL: upstreams.payment,
      MONOLITH_URL: monolith.url,
      MONOLITH_INTERNAL_URL: upstreams.monolithInternal ?? monolith.internalUrl!,
      ...env,
    },
  });
}
