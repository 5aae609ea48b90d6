import { type RunningDeployable, spawnDeployable } from '@fig/common/testing/spawn-deployable';

/**
 * The routes the parity suite covers: the migratable rows of DESIGN.md §3.3, plus orders;
 * `legacy` is the monolith on both sides, for records made before a route moved.
 */
export type RouteName = 'inventory' | 'carts' | 'checkout' | 'payments' | 'orders' | 'legacy';

export interface Side {
  name: 'monolith' | 'services';
  baseUrl(route: RouteName): string;
}

export interface ParityTargets {
  monolith: Side;
  services: Side;
  /** Stops whatever the suite started itself. */
  close(): Promise<void>;
}

const variables = {
  monolith: 'PARITY_MONOLITH_URL',
  inventory: 'PARITY_INVENTORY_URL',
  payment: 'PARITY_PAYMENT_URL',
  checkout: 'PARITY_CHECKOUT_URL',
} as const;

const trimmed = (url: string) => url.replace(/\/+$/, '');

/**
 * Base URLs from PARITY_*_URL; each one not given is started here as a real process on port 0
 * with in-memory data (a started checkout service is wired to the inventory, payment and
 * monolith in use, so its saga and the order records go where the suite looks).
 */
export async function resolveTargets(env: NodeJS.ProcessEnv = process.env): Promise<ParityTargets> {
  const started: RunningDeployable[] = [];
  const given = (name: keyof typeof variables) =>
    env[variables[name]] ? trimmed(env[variables[name]]!) : undefined;
  const start = async (dir: string, extra: Record<string, string> = {}) => {
    const running = await spawnDeployable(dir, { env: extra });
    started.push(running);
    return running.url;
  };
  try {
    const monolith =
      given('monolith') ??
      (await start('monolith-stub', { LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' }));
    // Started services answer for records they do not own from this monolith, as deployed ones
    // do, and verify tokens against its keys.
    const auth = {
      AUTH_JWKS_URL: `${monolith}/.well-known/jwks.json`,
      AUTH_TOKEN_URL: `${monolith}/auth/token`,
      MONOLITH_URL: monolith,
    };
    const [inventory, payment] = await Promise.all([
      given('inventory') ?? start('services/inventory', auth),
      given('payment') ?? start('services/payment', auth),
    ]);
    const checkout =
      given('checkout') ??
      (await start('services/checkout', {
        INVENTORY_URL: inventory,
        PAYMENT_URL: payment,
        ...auth,
      }));
    const serviceFor: Record<RouteName, string> = {
      inventory,
      carts: checkout,
      checkout,
      payments: payment,
      // Orders stay on the monolith; the checkout service records its orders there.
      orders: monolith,
      legacy: monolith,
    };
    return {
      monolith: { name: 'monolith', baseUrl: () => monolith },
      services: { name: 'services', baseUrl: (route) => serviceFor[route] },
      close: async () => {
        await Promise.all(started.map((running) => running.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((running) => running.kill()));
    throw error;
  }
}
