// `npm run bench`: the proxy benchmark. In one run, against one fast local JSON upstream:
// Fig against the floor (nginx, a bare Node proxy and Fig side by side under wrk, CPU per
// request from /proc, floor.ts); then the p99 Fig adds at a fixed 1,000 req/s, the gateway's
// RSS over a long run, the cost of auth and rate limits, and of shadowing.
// Env: BENCH_SECONDS (per throughput run, default 10), BENCH_LONG_REQUESTS (default 1000000).
import { closedPort as freePort } from '@fig/testing/closed-port';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { inventoryRules, startGateway, waitFor } from './gateway-process.ts';
import { load, median } from './load.ts';
import { printEdgeSecurityBench, runEdgeSecurityBench } from './edge-security.ts';
import { printShadowBench, runShadowBench } from './shadow.ts';
import { printTracingBench, runTracingBench } from './tracing.ts';
import { printFloorBench, runFloorBench } from './floor.ts';
import { ensureNginx, startNginx } from './nginx.ts';
import { pacedLoad } from './paced-load.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const longRequests = Number(process.env.BENCH_LONG_REQUESTS ?? 1_000_000);
const fixedRateRounds = 5;
const dir = mkdtempSync(join(tmpdir(), 'fig-bench-'));
const children: ChildProcess[] = [];

function node(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(root, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Drained: a full pipe would block the child's logger and grow its memory.
  child.stdout!.on('data', () => undefined);
  children.push(child);
  return child;
}

async function gatewayRss(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return Number(/^process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(text)?.[1]);
}

// Distinct users so the sticky split really sends traffic both ways.
const users = Array.from({ length: 64 }, (_, i) => ({ headers: { 'x-bench-user': `user-${i}` } }));

try {
  const nginxBinary = ensureNginx();
  const [servicePort, monolithPort, nginxPort] = await Promise.all(
    Array.from({ length: 3 }, () => freePort()),
  );
  const upstream = node('bench/fast-upstream.ts', [String(servicePort), String(monolithPort)]);
  await once(upstream.stdout!, 'data');
  const nginxMaster = startNginx(nginxBinary, dir, nginxPort, `127.0.0.1:${monolithPort}`);
  children.push(nginxMaster);
  const rules = join(dir, 'routes.yaml');
  writeFileSync(
    rules,
    inventoryRules(monolithPort, servicePort, 'percent: 50, sticky: "header:x-bench-user"'),
  );
  const [gateway] = await Promise.all([
    startGateway(rules),
    waitFor(`http://127.0.0.1:${monolithPort}/`),
    waitFor(`http://127.0.0.1:${nginxPort}/`),
  ]);
  children.push(gateway.process);
  const adminUrl = gateway.adminUrl;

  const path = '/api/inventory/sku-1';
  const targets = {
    direct: `http://127.0.0.1:${monolithPort}${path}`,
    nginx: `http://127.0.0.1:${nginxPort}${path}`,
    fig: `${gateway.url}${path}`,
  };
  console.log(
    `Fig proxy benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`,
  );
  console.log(`${seconds}s per run, JSON payload from a local upstream\n`);
  console.log('Fig against the floor: wrk, one thread, 50 connections, interleaved rounds (floor.ts)');
  printFloorBench(await runFloorBench(seconds));

  // Latency at a fixed rate, the upstream direct and Fig side by side (`paced-load.ts`): each
  // at 1,000 req/s, their requests taking turns, so the stalls of a shared machine land on both
  // and Fig's added p99 is the difference within a round. First the method's own floor: the
  // same upstream on its two ports side by side, where nothing should differ.
  const fixedRate = { rate: 1000, durationSeconds: seconds, connections: 50, requests: users };
  const serviceDirect = `http://127.0.0.1:${servicePort}${path}`;
  const [floorA, floorB] = await pacedLoad({ ...fixedRate, urls: [targets.direct, serviceDirect] });
  console.log(
    `\nAt 1,000 req/s each, evenly paced, side by side. Method floor, the upstream's two ports: p99 ${floorA!.p99} and ${floorB!.p99} ms, difference ${(floorB!.p99 - floorA!.p99).toFixed(2)} ms`,
  );
  // What a C proxy adds on the same machine in the same minutes, for scale.
  const [nginxDirect, nginxFixed] = await pacedLoad({ ...fixedRate, urls: [targets.direct, targets.nginx] });
  console.log(
    `Reference, nginx side by side: direct p99 ${nginxDirect!.p99} ms, nginx p99 ${nginxFixed!.p99} ms, added p99 ${(nginxFixed!.p99 - nginxDirect!.p99).toFixed(2)} ms`,
  );
  // Settle at the rate right before the rounds: the gateway sat idle through the two above.
  await pacedLoad({ ...fixedRate, urls: [targets.direct, targets.fig], durationSeconds: 3 });
  const added: number[] = [];
  for (let round = 1; round <= fixedRateRounds; round++) {
    const [direct, fig] = await pacedLoad({ ...fixedRate, urls: [targets.direct, targets.fig] });
    added.push(fig!.p99 - direct!.p99);
    console.log(
      `round ${round}: direct p50 ${direct!.p50} p99 ${direct!.p99} ms | fig p50 ${fig!.p50} p99 ${fig!.p99} ms (errors ${fig!.errors + fig!.non2xx}) | added p99 ${added.at(-1)!.toFixed(2)} ms`,
    );
  }
  console.log(
    `Added p99 at 1,000 req/s, median of ${fixedRateRounds} rounds: ${median(added).toFixed(2)} ms (target <= 2 ms)`,
  );

  const before = await gatewayRss(adminUrl);
  const long = await load({ url: targets.fig, amount: longRequests, requests: users });
  const after = await gatewayRss(adminUrl);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `RSS over ${long.total.toLocaleString('en')} requests: ${mb(before)} MB -> ${mb(after)} MB (errors ${long.errors + long.non2xx})`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(300);
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  '\nEdge security cost: RS256 auth and rate limiting, each gateway alone, best of interleaved rounds',
);
printEdgeSecurityBench(await runEdgeSecurityBench(seconds));

console.log('\nShadow traffic cost: client p99, route shadowed at 100% vs shadow off');
printShadowBench(await runShadowBench(seconds));

console.log(
  '\nTracing cost: gateway CPU per request against the build before tracing, side by side at a fixed rate',
);
printTracingBench(await runTracingBench(seconds));
