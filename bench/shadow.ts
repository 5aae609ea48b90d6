// The cost of shadow traffic for clients: client p99 at a fixed, moderate rate with a route
// shadowed at 100% against the same route with shadowing off (target: at most +10%),
// measured in one run against the same upstreams, alternating the two gateways.
// `node bench/shadow.ts` or runShadowBench() from bench/run.ts.
// Env: BENCH_SECONDS (per run, default 10), BENCH_SHADOW_RATE (req/s, default 300).
import { closedPort as freePort } from '@fig/common/testing/closed-port';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ComparisonsReport } from '../gateway/src/shadow/shadowing.ts';
import { load, type LoadResult } from './load.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// A backend that takes a few milliseconds, so p99 is measured well above autocannon's 1 ms steps.
const upstreamDelayMs = 10;
const rounds = 2;

async function waitFor(url: string) {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(50);
  }
  throw new Error(`${url} never answered`);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

export interface ShadowBench {
  rate: number;
  off: LoadResult[];
  on: LoadResult[];
  /** The shadowed route's comparisons after the runs. */
  comparisons: ComparisonsReport['routes'][number]['comparisons'];
}

export async function runShadowBench(
  seconds = Number(process.env.BENCH_SECONDS ?? 10),
  rate = Number(process.env.BENCH_SHADOW_RATE ?? 300),
): Promise<ShadowBench> {
  const dir = mkdtempSync(join(tmpdir(), 'fig-bench-shadow-'));
  const children: ChildProcess[] = [];
  try {
    const [monolithPort, servicePort] = await Promise.all([freePort(), freePort()]);
    const upstream = spawn(
      process.execPath,
      [
        join(root, 'bench/shadow-upstream.ts'),
        String(upstreamDelayMs),
        String(monolithPort),
        String(servicePort),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(upstream);
    await once(upstream.stdout!, 'data');

    const start = async (shadow: number) => {
      const rules = join(dir, `shadow-${shadow}.yaml`);
      writeFileSync(
        rules,
        `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:${monolithPort} }
  inventory: { url: http://127.0.0.1:${servicePort} }
defaults: { auth: none, rateLimit: { max: 100000000 } }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 0, shadow: ${shadow} }
`,
      );
      const [port, adminPort] = await Promise.all([freePort(), freePort()]);
      const gateway = spawn(process.execPath, [join(root, 'gateway/src/main.ts')], {
        env: {
          ...process.env,
          PORT: String(port),
          ADMIN_PORT: String(adminPort),
          ROUTING_RULES: rules,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(gateway);
      const adminUrl = `http://127.0.0.1:${adminPort}`;
      await waitFor(`${adminUrl}/health/ready`);
      const url = `http://127.0.0.1:${port}/api/inventory/sku-1`;
      await load({ url, durationSeconds: 2, rate, connections: 20 }); // warm-up: JIT, pools
      return { url, adminUrl };
    };

    const off = await start(0);
    const on = await start(100);
    const result: ShadowBench = { rate, off: [], on: [], comparisons: undefined! };
    for (let round = 0; round < rounds; round++) {
      result.off.push(await load({ url: off.url, durationSeconds: seconds, rate, connections: 20 }));
      result.on.push(await load({ url: on.url, durationSeconds: seconds, rate, connections: 20 }));
    }
    const report = (await (await fetch(`${on.adminUrl}/comparisons`)).json()) as ComparisonsReport;
    result.comparisons = report.routes.find((route) => route.name === 'inventory')!.comparisons;
    return result;
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

export function printShadowBench({ rate, off, on, comparisons }: ShadowBench) {
  console.log(
    `Shadow traffic at ${rate} req/s, upstream latency ${upstreamDelayMs} ms, ${rounds} alternating rounds`,
  );
  off.forEach((result, round) => {
    console.log(
      `round ${round + 1}: shadow off p50 ${result.p50} ms p99 ${result.p99} ms | shadow 100% p50 ${on[round].p50} ms p99 ${on[round].p99} ms`,
    );
  });
  const ratio = mean(on.map((r) => r.p99)) / mean(off.map((r) => r.p99));
  const errors = [...off, ...on].reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  console.log(
    `client p99 shadow 100% / shadow off: ${ratio.toFixed(2)} (target <= 1.10), client errors ${errors}`,
  );
  console.log(
    `comparisons ${comparisons.compared.toLocaleString('en')} (matched ${comparisons.matched}, noise ${comparisons.noise}, mismatched ${comparisons.mismatched}), dropped ${comparisons.dropped}`,
  );
}

if (import.meta.main) printShadowBench(await runShadowBench());
