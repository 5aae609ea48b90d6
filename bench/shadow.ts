// The cost of shadow traffic for clients: client p99 at a fixed, moderate rate with a route
// shadowed at 100% against the same route with shadowing off (target: at most +10%),
// measured in one run against the same upstreams, alternating the two gateways.
// `node bench/shadow.ts` or runShadowBench() from bench/run.ts.
// Env: BENCH_SECONDS (per run, default 10), BENCH_SHADOW_RATE (req/s, default 300).
import { closedPort as freePort } from '@fig/testing/closed-port';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonsReport } from '../gateway/src/dashboard/comparisons-report.ts';
import { inventoryRules, startGateway, stop } from './gateway-process.ts';
import { load, type LoadResult, median } from './load.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// A backend that takes a few milliseconds, so the p99 compared is well above timer granularity.
const upstreamDelayMs = 10;
const rounds = 5;

/** Gateway CPU time so far, from its own metrics: steadier than latency on a busy machine. */
async function cpuSeconds(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return Number(/^process_cpu_seconds_total\{[^}]*\} ([\d.e+-]+)/m.exec(text)?.[1]);
}

export interface ShadowBench {
  rate: number;
  off: LoadResult[];
  on: LoadResult[];
  /** Gateway CPU microseconds per client request, per mode. */
  cpuPerRequest: { off: number; on: number };
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
    // One process per side, as in a real deployment: shadows to the service never queue
    // behind the monolith's own traffic in one event loop.
    const upstreams = [monolithPort, servicePort].map((port) =>
      spawn(
        process.execPath,
        [join(root, 'bench/shadow-upstream.ts'), String(upstreamDelayMs), String(port)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      ),
    );
    children.push(...upstreams);
    await Promise.all(upstreams.map((upstream) => once(upstream.stdout!, 'data')));

    const start = async (shadow: number) => {
      const rules = join(dir, `shadow-${shadow}.yaml`);
      writeFileSync(rules, inventoryRules(monolithPort, servicePort, `percent: 0, shadow: ${shadow}`));
      const gateway = await startGateway(rules);
      children.push(gateway.process);
      const url = `${gateway.url}/api/inventory/sku-1`;
      await load({ url, durationSeconds: 2, rate, connections: 20 }); // warm-up: JIT, pools
      return { url, adminUrl: gateway.adminUrl };
    };

    const off = await start(0);
    const on = await start(100);
    const result: ShadowBench = {
      rate,
      off: [],
      on: [],
      cpuPerRequest: { off: 0, on: 0 },
      comparisons: undefined!,
    };
    const cpu = { off: 0, on: 0 };
    const measure = async (mode: 'off' | 'on', gateway: { url: string; adminUrl: string }) => {
      const before = await cpuSeconds(gateway.adminUrl);
      const run = await load({ url: gateway.url, durationSeconds: seconds, rate, connections: 20 });
      cpu[mode] += (await cpuSeconds(gateway.adminUrl)) - before;
      result[mode].push(run);
    };
    for (let round = 0; round < rounds; round++) {
      await measure('off', off);
      await measure('on', on);
    }
    const requests = (runs: LoadResult[]) => runs.reduce((sum, r) => sum + r.total, 0);
    result.cpuPerRequest = {
      off: (cpu.off / requests(result.off)) * 1e6,
      on: (cpu.on / requests(result.on)) * 1e6,
    };
    const report = (await (await fetch(`${on.adminUrl}/comparisons`)).json()) as ComparisonsReport;
    result.comparisons = report.routes.find((route) => route.name === 'inventory')!.comparisons;
    return result;
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printShadowBench({ rate, off, on, cpuPerRequest, comparisons }: ShadowBench) {
  console.log(
    `Shadow traffic at ${rate} req/s, upstream latency ${upstreamDelayMs} ms, ${rounds} alternating rounds`,
  );
  off.forEach((result, round) => {
    console.log(
      `round ${round + 1}: shadow off p50 ${result.p50} ms p99 ${result.p99} ms | shadow 100% p50 ${on[round].p50} ms p99 ${on[round].p99} ms`,
    );
  });
  const ratio = median(on.map((r) => r.p99)) / median(off.map((r) => r.p99));
  const errors = [...off, ...on].reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  console.log(
    `client p99 shadow 100% / shadow off (median of rounds): ${ratio.toFixed(2)} (target <= 1.10), client errors ${errors}`,
  );
  console.log(
    `gateway CPU per client request: shadow off ${cpuPerRequest.off.toFixed(0)} µs, shadow 100% ${cpuPerRequest.on.toFixed(0)} µs`,
  );
  console.log(
    `comparisons ${comparisons.compared.toLocaleString('en')} (matched ${comparisons.matched}, noise ${comparisons.noise}, mismatched ${comparisons.mismatched}), dropped ${comparisons.dropped}`,
  );
}

if (import.meta.main) printShadowBench(await runShadowBench());
