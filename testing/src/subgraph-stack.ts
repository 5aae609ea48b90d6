import { type RunningDeployable, spawnDeployable } from './spawn-deployable.ts';

export interface SubgraphStack {
  /** Base URLs of the running monolith and services: their public REST. */
  readonly urls: { monolith: string; inventory: string; payment: string; checkout: string };
  /** Base URLs of their internal listeners: subgraph, health, metrics, /internal. */
  readonly internalUrls: { monolith: string; inventory: string; payment: string; checkout: string };
  /** Subgraph name -> its /graphql URL (on the internal listener), to hand a BFF as `subgraphUrls`. */
  readonly subgraphUrls: Record<string, string>;
  /** Where a BFF in front of this stack verifies its callers' tokens (the monolith's keys). */
  readonly auth: { jwksUrl: string; issuer: string; audience: string };
  /** Stops one of them (its port is then closed: "subgraph down"). */
  stop(name: 'monolith' | 'inventory' | 'payment' | 'checkout'): Promise<void>;
  close(): Promise<void>;
}

/**
 * The monolith and the three services as real processes on port 0, in-memory data, no
 * legacy latency, the checkout service wired to the others, every service verifying tokens
 * against the monolith's keys: what a BFF federates.
 */
export async function startSubgraphStack(): Promise<SubgraphStack> {
  const running = new Map<string, RunningDeployable>();
  const start = async (name: string, dir: string, env: Record<string, string> = {}) => {
    const deployable = await spawnDeployable(dir, { env });
    running.set(name, deployable);
    return deployable.url;
  };
  const internalUrl = (name: string) => running.get(name)!.internalUrl!;
  try {
    const monolith = await start('monolith', 'monolith-stub', {
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
    });
    // Every backend verifies tokens against the monolith's keys and gets its own there.
    const auth = {
      jwksUrl: `${monolith}/.well-known/jwks.json`,
      issuer: 'http://127.0.0.1:3000',
      audience: 'fig',
    };
    const authEnv = {
      AUTH_JWKS_URL: auth.jwksUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      AUTH_TOKEN_URL: `${monolith}/auth/token`,
    };
    const [inventory, payment] = await Promise.all([
      // Records they do not own are looked up on this monolith, not whatever listens on :3000.
      start('inventory', 'services/inventory', { ...authEnv, MONOLITH_URL: monolith }),
      start('payment', 'services/payment', { ...authEnv, MONOLITH_URL: monolith }),
    ]);
    const checkout = await start('checkout', 'services/checkout', {
      ...authEnv,
      INVENTORY_URL: inventory,
      PAYMENT_URL: payment,
      MONOLITH_URL: monolith,
      MONOLITH_INTERNAL_URL: internalUrl('monolith'),
    });
    const urls = { monolith, inventory, payment, checkout };
    const internalUrls = {
      monolith: internalUrl('monolith'),
      inventory: internalUrl('inventory'),
      payment: internalUrl('payment'),
      checkout: internalUrl('checkout'),
    };
    return {
      urls,
      internalUrls,
      auth,
      subgraphUrls: Object.fromEntries(
        Object.entries(internalUrls).map(([name, url]) => [name, `${url}/graphql`]),
      ),
      async stop(name) {
        await running.get(name)?.stop();
        running.delete(name);
      },
      async close() {
        await Promise.all([...running.values()].map((deployable) => deployable.stop()));
        running.clear();
      },
    };
  } catch (error) {
    await Promise.all([...running.values()].map((deployable) => deployable.kill()));
    throw error;
  }
}
