import { afterAll, beforeAll } from 'vitest';
import { closedPort } from './closed-port.ts';
import { type RunningDeployable, spawnDeployable } from './spawn-deployable.ts';
import { startTestIdentity, type TestIdentity } from './test-identity.ts';

export interface StoreServiceSuite {
  /** Base URL of the public listener. */
  readonly url: string;
  /** Base URL of the internal listener: the subgraph, health and metrics. */
  readonly internalUrl: string;
  /** Where the tokens the service trusts come from. */
  readonly identity: TestIdentity;
}

/**
 * A store service (`services/inventory`, `services/payment`) as a child process for the
 * enclosing suite: started before its tests, stopped after them, trusting a test identity's
 * tokens. No monolith behind it (a port nobody listens on): every id the service does not know
 * is answered by the service itself. `env` is read in beforeAll, after the suite's earlier hooks.
 */
export function storeServicePerSuite(
  dir: string,
  env: () => Record<string, string> = () => ({}),
): StoreServiceSuite {
  let identity: TestIdentity | undefined;
  let running: RunningDeployable | undefined;
  beforeAll(async () => {
    identity = await startTestIdentity();
    running = await spawnDeployable(dir, {
      env: { ...identity.env, MONOLITH_URL: `http://127.0.0.1:${await closedPort()}`, ...env() },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await identity?.close();
  });
  const started = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error(`${dir} starts in beforeAll`);
    return part;
  };
  return {
    get url() {
      return started(running).url;
    },
    get internalUrl() {
      return started(started(running).internalUrl);
    },
    get identity() {
      return started(identity);
    },
  };
}
