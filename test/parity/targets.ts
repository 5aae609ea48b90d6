import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devServiceClients } from '@fig/common/auth/dev-service-clients';
import { createServiceTokens } from '@fig/common/auth/service-tokens';
import { monolithUsers } from '@fig/common/testing/monolith-identity';
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

/** How the suite proves who it is: the same tokens go to both sides. */
export interface ParityIdentity {
  /**
   * A user's own token, as the monolith's login issues it; undefined against a deployed
   * monolith, whose signing key the suite does not hold (a service token acting for the user
   * with `x-user-id` stands in).
   */
  userToken?(userId: string): Promise<string>;
  /** The checkout service's client-credentials token: what the saga holds stock and charges with. */
  serviceToken(): Promise<string>;
}

export interface ParityTargets {
  monolith: Side;
  services: Side;
  identity: ParityIdentity;
  /** Stops whatever the suite started itself. */
  close(): Promise<void>;
}

const variables = {
  monolith: 'PARITY_MONOLITH_URL',
  inventory: 'PARITY_INVENTORY_URL',
  payment: 'PARITY_PAYMENT_URL',
  checkout: 'PARITY_CHECKOUT_URL',
} as const;

const checkoutClient = devServiceClients.find((client) => client.id === 'checkout')!;

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
  // A started monolith keeps its signing key here, so the suite can sign its users' tokens.
  const monolithDir = given('monolith') ? undefined : mkdtempSync(join(tmpdir(), 'fig-parity-'));
  const removeMonolithDir = () => monolithDir && rmSync(monolithDir, { recursive: true, force: true });
  try {
    const monolith =
      given('monolith') ??
      (await start('monolith-stub', {
        DATA_DIR: monolithDir!,
        LEGACY_LATENCY_MS: '0',
        LEGACY_CHECKOUT_LATENCY_MS: '0',
      }));
    // Started services trust this monolith's identity provider and answer for records they do
    // not own from it, as deployed ones do.
    const trust = { AUTH_JWKS_URL: `${monolith}/.well-known/jwks.json`, MONOLITH_URL: monolith };
    const [inventory, payment] = await Promise.all([
      given('inventory') ?? start('services/inventory', trust),
      given('payment') ?? start('services/payment', trust),
    ]);
    const checkout =
      given('checkout') ??
      (await start('services/checkout', {
        ...trust,
        AUTH_TOKEN_URL: `${monolith}/auth/token`,
        INVENTORY_URL: inventory,
        PAYMENT_URL: payment,
      }));
    const users = monolithDir ? monolithUsers(monolithDir) : undefined;
    const saga = createServiceTokens({
      tokenUrl: `${monolith}/auth/token`,
      clientId: env.PARITY_CLIENT_ID ?? checkoutClient.id,
      clientSecret: env.PARITY_CLIENT_SECRET ?? checkoutClient.secret,
    });
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
      identity: { userToken: users && ((userId) => users.token(userId)), serviceToken: () => saga.token() },
      close: async () => {
        await Promise.all(started.map((running) => running.stop()));
        removeMonolithDir();
      },
    };
  } catch (error) {
    await Promise.all(started.map((running) => running.kill()));
    removeMonolithDir();
    throw error;
  }
}
