import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devServiceClients } from '@fig/platform/auth/dev-service-clients';
import { createServiceTokens } from '@fig/platform/auth/service-tokens';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';

/**
 * The routes the parity suite covers: the migratable rows of docs/architecture.md §3.5, plus orders;
 * `legacy` is the monolith on both sides, for records made before a route moved.
 */
export type RouteName = 'inventory' | 'carts' | 'checkout' | 'payments' | 'orders' | 'legacy';

export interface Side {
  name: 'monolith' | 'services';
  /** The public REST. */
  baseUrl(route: RouteName): string;
  /** The internal listener: the subgraph. */
  internalUrl(route: RouteName): string;
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

// Each one's internal listener (the subgraph): PARITY_<NAME>_INTERNAL_URL, by default the
// public URL's port + 100, as every Fig deployment numbers them.
const internalVariable = (name: keyof typeof variables) => variables[name].replace(/_URL$/, '_INTERNAL_URL');

function conventionalInternal(url: string) {
  const parsed = new URL(url);
  parsed.port = String(Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) + 100);
  return trimmed(parsed.href);
}

const checkoutClient = devServiceClients.find((client) => client.id === 'checkout')!;

const trimmed = (url: string) => url.replace(/\/+$/, '');

/**
 * Base URLs from PARITY_*_URL; each one not given is started here as a real process on port 0
 * with in-memory data (a started checkout service is wired to the inventory, payment and
 * monolith in use, so its saga and the order records go where the suite looks).
 */
export async function resolveTargets(env: NodeJS.ProcessEnv = process.env): Promise<ParityTargets> {
  const started: RunningDeployable[] = [];
  const internal = new Map<string, string>();
  const given = (name: keyof typeof variables) => {
    const url = env[variables[name]] ? trimmed(env[variables[name]]!) : undefined;
    if (url) internal.set(url, trimmed(env[internalVariable(name)] || conventionalInternal(url)));
    return url;
  };
  const start = async (dir: string, extra: Record<string, string> = {}) => {
    const running = await spawnDeployable(dir, { env: extra });
    started.push(running);
    internal.set(running.url, running.internalUrl!);
    return running.url;
  };
  const internalOf = (url: string) => internal.get(url)!;
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
        MONOLITH_INTERNAL_URL: internalOf(monolith),
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
      monolith: { name: 'monolith', baseUrl: () => monolith, internalUrl: () => internalOf(monolith) },
      services: {
        name: 'services',
        baseUrl: (route) => serviceFor[route],
        internalUrl: (route) => internalOf(serviceFor[route]),
      },
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
