// What every benchmark section needs to run the real gateway as its own process: routing
// rules for the inventory route, start it and wait until it is ready, stop it.
import { closedPort as freePort } from '@fig/testing/closed-port';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const mainScript = fileURLToPath(new URL('../gateway/src/main.ts', import.meta.url));

/** Polls until `url` answers 2xx (a server just spawned takes a moment to listen). */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${url} never answered`);
}

/** SIGTERM, and wait until the process is gone. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Rules with the monolith and an inventory service, one `inventory` route (`route`: its other settings). */
export function inventoryRules(monolithPort: number, servicePort: number, route: string): string {
  return `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:${monolithPort} }
  inventory: { url: http://127.0.0.1:${servicePort} }
defaults: { auth: none, rateLimit: { max: 100000000 } }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, ${route} }
`;
}

export interface GatewayProcess {
  process: ChildProcess;
  url: string;
  adminUrl: string;
}

/**
 * `node gateway/src/main.ts` on free ports with these rules, logging at warn; resolves when
 * ready. `script` runs another build's gateway instead (a reference-tree.ts checkout).
 */
export async function startGateway(
  rulesFile: string,
  env: Record<string, string> = {},
  /** Another build of the gateway to run instead (an older commit's, for side-by-side runs). */
  main = mainScript,
): Promise<GatewayProcess> {
  const [port, adminPort] = await Promise.all([freePort(), freePort()]);
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), main], {
    env: {
      ...process.env,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      ROUTING_RULES: rulesFile,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitFor(`${adminUrl}/health/ready`);
  return { process: child, url: `http://127.0.0.1:${port}`, adminUrl };
}
