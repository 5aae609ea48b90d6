// The cost of tracing at the edge: the gateway's CPU time per proxied request with tracing
// off, at 100% and at 1% sampling, against the build before tracing (main, checked out beside
// this repository by reference-tree.ts), all four in one run against the same fast upstream.
// Targets: off / before <= 1.02, 100% / before <= 1.25, 1% / before <= 1.05, by CPU per request.
// `node bench/tracing.ts` or runTracingBench() from bench/run.ts.
// Env: BENCH_SECONDS (per round, default 10), BENCH_ROUNDS (default 5), BENCH_TRACING_RATE
// (requests per second to each gateway, default 300),
// BENCH_REFERENCE (the commit to compare with; default where this branch left main).
import { closedPort as freePort } from '@fig/testing/closed-port';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './cpu-time.ts';
import { startFastUpstream } from './fast-upstream-process.ts';
import { inventoryRules, startGateway, stop } from './gateway-process.ts';
import { load, median } from './load.ts';
import { pacedLoad } from './paced-load.ts';
import { checkoutReference } from './reference-tree.ts';

type Variant = 'before' | 'again' | 'off' | 'sampled100' | 'sampled1';

export interface TracingBench {
  reference: string;
  /** Per variant, the gateway's CPU µs per request of each round. */
  micros: Record<Variant, number[]>;
  requestsPerSecond: Record<Variant, number[]>;
}

/** An OTLP/HTTP collector stand-in that takes every export and keeps nothing. */
async function startSink() {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exports++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export async function runTracingBench(
  seconds = Number(process.env.BENCH_SECONDS ?? 10),
  rounds = Number(process.env.BENCH_ROUNDS ?? 5),
  rate = Number(process.env.BENCH_TRACING_RATE ?? 300),
): Promise<TracingBench> {
  const dir = mkdtempSync(join(tmpdir(), 'fig-bench-tracing-'));
  const children: ChildProcess[] = [];
  const reference = checkoutReference();
  const sink = await startSink();
  try {
    const [servicePort, monolithPort] = await Promise.all([freePort(), freePort()]);
    children.push(await startFastUpstream(servicePort, monolithPort));
    const rules = join(dir, 'routes.yaml');
    writeFileSync(
      rules,
      inventoryRules(monolithPort, servicePort, 'percent: 50, sticky: "header:x-bench-user"'),
    );
    const users = Array.from({ length: 64 }, (_, i) => ({ headers: { 'x-bench-user': `user-${i}` } }));

    const off = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' };
    const traced = (sampler: Record<string, string>) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      ...sampler,
    });
    const start = async (env: Record<string, string>, script?: string) => {
      const gateway = await startGateway(rules, env, script);
      children.push(gateway.process);
      const url = `${gateway.url}/api/inventory/sku-1`;
      await load({ url, durationSeconds: 2, requests: users }); // warm-up: JIT, pools
      return { url, pid: gateway.process.pid! };
    };
    const gateways: Record<Variant, { url: string; pid: number }> = {
      before: await start(off, join(reference.dir, 'gateway/src/main.ts')),
      // The method's floor: the same build twice, where nothing should differ.
      again: await start(off, join(reference.dir, 'gateway/src/main.ts')),
      off: await start(off),
      sampled100: await start(traced({ OTEL_TRACES_SAMPLER: 'always_on' })),
      sampled1: await start(
        traced({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }),
      ),
    };
    const empty = (): TracingBench['micros'] => ({
      before: [],
      again: [],
      off: [],
      sampled100: [],
      sampled1: [],
    });
    const micros = empty();
    const requestsPerSecond = empty();
    const variants = Object.keys(gateways) as Variant[];
    // All four side by side, each at the same fixed rate, their requests taking turns
    // (paced-load.ts): a neighbour's burst on this shared machine lands on all of them in the
    // same milliseconds, so each round's ratios hold even when its absolute times do not.
    for (let round = 0; round < rounds; round++) {
      // Each round starts the schedule with the next variant, so none always goes first.
      const order = [
        ...variants.slice(round % variants.length),
        ...variants.slice(0, round % variants.length),
      ];
      const pids = order.map((name) => gateways[name].pid);
      const before = pids.map((pid) => cpuSeconds([pid]));
      const results = await pacedLoad({
        urls: order.map((name) => gateways[name].url),
        rate,
        durationSeconds: seconds,
        connections: 8,
        requests: users,
      });
      order.forEach((name, i) => {
        const errors = results[i]!.errors + results[i]!.non2xx;
        if (errors > 0) throw new Error(`${name}: ${errors} failed requests`);
        micros[name].push(((cpuSeconds([pids[i]!]) - before[i]!) * 1e6) / results[i]!.total);
        requestsPerSecond[name].push(results[i]!.requestsPerSecond);
      });
    }
    if (sink.exports() === 0)
      throw new Error('the traced gateways exported nothing: the bench measured no tracing');
    return { reference: reference.commit, micros, requestsPerSecond };
  } finally {
    await Promise.all(children.map(stop));
    await sink.close();
    reference.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printTracingBench({ reference, micros, requestsPerSecond }: TracingBench) {
  const names: Record<Variant, string> = {
    before: `before tracing (${reference.slice(0, 10)})`,
    again: 'the same build again (floor)',
    off: 'tracing off (no endpoint)',
    sampled100: 'tracing, 100% sampled',
    sampled1: 'tracing, 1% sampled',
  };
  const targets: Partial<Record<Variant, number>> = { off: 1.02, sampled100: 1.25, sampled1: 1.05 };
  // The reference is the build before, run twice: each round's base is the mean of the two,
  // and the twins' own ratio is the method's floor (what a difference of nothing looks like).
  const base = micros.before.map((value, round) => (value + micros.again[round]!) / 2);
  for (const name of Object.keys(names) as Variant[]) {
    const ratios =
      name === 'again'
        ? micros.again.map((value, round) => value / micros.before[round]!)
        : micros[name].map((value, round) => value / base[round]!);
    const target = targets[name];
    const label = name === 'again' ? 'x its twin' : 'x before';
    console.log(
      `${names[name].padEnd(34)} ${median(requestsPerSecond[name]).toFixed(0).padStart(5)} req/s  CPU/req median ${median(micros[name]).toFixed(0).padStart(4)} µs${
        name === 'before'
          ? `, rounds ${micros[name].map((m) => m.toFixed(0)).join(' ')} µs`
          : `  ${label}: median ${median(ratios).toFixed(3)}${target ? ` (target <= ${target})` : ''}, rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}`
      }`,
    );
  }
}

if (import.meta.main) printTracingBench(await runTracingBench());
