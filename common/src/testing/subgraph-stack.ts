import { type RunningDeployable, spawnDeployable } from './spawn-deployable.ts';

export interface SubgraphStack {
  /** Base URLs of the running monolith and services. */
  readonly urls: { monolith: string; inventory: string; payment: string; checkout: string };
  /** Subgraph name -> its /graphql URL, to hand a BFF as `subgraphUrls`. */
  readonly subgraphUrls: Record<string, string>;
  /** Stops one of them (its port is then closed: "subgraph down"). */
  stop(name: 'monolith' | 'inventory' | 'payment' | 'checkout'): Promise<void>;
  close(): Promise<void>;
}

/**
 * The monolith and the three services as real processes on port 0, in-memory data, no
 * legacy latency, the checkout service wired to the others and every service trusting the
 * monolith's identity provider: what a BFF federates.
 */
export async function startSubgraphStack(): Promise<SubgraphStack> {
  const running = new Map<string, RunningDeployable>();
  const start = async (name: string, dir: string, env: Record<string, string> = {}) => {
    const deployable = await spawnDeployable(dir, { env });
    running.set(name, deployable);
    return deployable.url;
  };
  try {
    const monolith = await start('monolith', 'monolith-stub', {
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
    });
    // The services believe tokens from this monolith's identity provider, and nothing else.
    const trust = { AUTH_JWKS_URL: `${monolith}/.well-known/jwks.json`, MONOLITH_URL: monolith };
    const [inventory, payment] = await Promise.all([
      start('inventory', 'services/inventory', trust),
      start('payment', 'services/payment', trust),
    ]);
    const checkout = await start('checkout', 'services/checkout', {
      ...trust,
      AUTH_TOKEN_URL: `${monolith}/auth/token`,
      INVENTORY_URL: inventory,
      PAYMENT_URL: payment,
    });
    const urls = { monolith, inventory, payment, checkout };
    return {
      urls,
      subgraphUrls: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, `${url}/graphql`])),
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
