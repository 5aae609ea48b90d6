// Fig against the floor: in one run, against one fast local upstream, nginx (one worker), a
// bare Node proxy (`bare-proxy.ts`: node:http in, one undici Pool out, nothing else), Fig on a
// 50% sticky split with auth none, and Fig with RS256 auth and a rate limit, all plugins on.
// Loaded with wrk (one thread, 50 connections) in interleaved rounds; each proxy's CPU per
// request comes from /proc (user + system time of its process over the requests it served),
// which stays meaningful when other work shares the machine, unlike req/s.
// `node bench/floor.ts` or runFloorBench() from bench/run.ts.
// Env: BENCH_SECONDS (per round, default 10), BENCH_ROUNDS (default 3), BENCH_BASELINE_MAIN
// (another build's gateway/src/main.ts, measured side by side as "baseline").
import { closedPort as freePort } from '@fig/testing/closed-port';
import { createSigningKey, signToken, startJwksServer } from '@fig/testing/jwks-server';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childPids, cpuSeconds } from './cpu-time.ts';
import { startFastUpstream } from './fast-upstream-process.ts';
import { inventoryRules, startGateway, stop, waitFor } from './gateway-process.ts';
import { type LoadResult, median } from './load.ts';
import { ensureNginx, startNginx } from './nginx.ts';
import { ensureWrk, userScript, wrk } from './wrk.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface FloorRow {
  name: string;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p99: number;
  cpuMicrosPerRequest: number;
  /** CPU per request of each round, in order. */
  rounds: number[];
  errors: number;
}

export async function runFloorBench(
  seconds = Number(process.env.BENCH_SECONDS ?? 10),
  roundCount = Number(process.env.BENCH_ROUNDS ?? 3),
): Promise<FloorRow[]> {
  const wrkBinary = ensureWrk();
  if (!wrkBinary) throw new Error('wrk is not installed and could not be installed (apt-get install wrk)');
  const dir = mkdtempSync(join(tmpdir(), 'fig-bench-floor-'));
  const children: ChildProcess[] = [];
  const key = await createSigningKey('bench');
  const jwks = await startJwksServer([key]);
  try {
    const [servicePort, monolithPort, nginxPort, barePort] = await Promise.all(
      Array.from({ length: 4 }, () => freePort()),
    );
    children.push(await startFastUpstream(servicePort, monolithPort));
    const nginx = startNginx(ensureNginx(), dir, nginxPort, `127.0.0.1:${monolithPort}`);
    children.push(nginx);
    const bare = spawn(
      process.execPath,
      [join(root, 'bench/bare-proxy.ts'), String(barePort), `http://127.0.0.1:${monolithPort}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(bare);
    await once(bare.stdout!, 'data');

    const splitRules = join(dir, 'split.yaml');
    writeFileSync(
      splitRules,
      inventoryRules(monolithPort, servicePort, 'percent: 50, sticky: "header:x-bench-user"'),
    );
    const securedRules = join(dir, 'secured.yaml');
    writeFileSync(
      securedRules,
      inventoryRules(monolithPort, servicePort, 'percent: 50, sticky: "header:x-bench-user"').replace(
        'auth: none, rateLimit: { max: 100000000 }',
        'auth: required, rateLimit: { max: 100000000, window: 1m }',
      ),
    );
    const path = '/api/inventory/sku-1';
    const gateway = (rules: string, main?: string) =>
      startGateway(rules, { AUTH_JWKS_URL: jwks.url }, main).then((started) => {
        children.push(started.process);
        return started;
      });
    const [fig, secured, baseline] = await Promise.all([
      gateway(splitRules),
      gateway(securedRules),
      process.env.BENCH_BASELINE_MAIN ? gateway(splitRules, process.env.BENCH_BASELINE_MAIN) : undefined,
      waitFor(`http://127.0.0.1:${nginxPort}/`),
    ]);

    // 64 users: distinct sticky keys for the split, each with its own RS256 token (verified
    // once, then cached) for the secured gateway.
    const userHeader = userScript(dir, 'x-bench-user', 64);
    const now = Math.floor(Date.now() / 1000);
    const tokens = await Promise.all(
      Array.from({ length: 64 }, (_, i) => signToken(key, { sub: `user-${i}`, iat: now, exp: now + 3600 })),
    );
    const tokenScript = join(dir, 'tokens.lua');
    writeFileSync(
      tokenScript,
      `local tokens = { ${tokens.map((token) => `"${token}"`).join(', ')} }
local i = 0
request = function()
  i = (i % #tokens) + 1
  wrk.headers["authorization"] = "Bearer " .. tokens[i]
  wrk.headers["x-bench-user"] = "user-" .. i
  return wrk.format(nil)
end
`,
    );

    const proxies = [
      {
        name: 'nginx',
        url: `http://127.0.0.1:${nginxPort}${path}`,
        pids: () => childPids(nginx.pid!),
        script: userHeader,
      },
      {
        name: 'bare node proxy',
        url: `http://127.0.0.1:${barePort}${path}`,
        pids: () => [bare.pid!],
        script: userHeader,
      },
      {
        name: 'fig, split, auth none',
        url: `${fig.url}${path}`,
        pids: () => [fig.process.pid!],
        script: userHeader,
      },
      {
        name: 'fig, RS256 auth + limit',
        url: `${secured.url}${path}`,
        pids: () => [secured.process.pid!],
        script: tokenScript,
      },
      ...(baseline
        ? [
            {
              name: 'baseline fig, split',
              url: `${baseline.url}${path}`,
              pids: () => [baseline.process.pid!],
              script: userHeader,
            },
          ]
        : []),
    ];
    for (const proxy of proxies)
      await wrk(wrkBinary, { url: proxy.url, durationSeconds: 3, script: proxy.script }); // warm-up

    const results = new Map<string, Array<LoadResult & { cpu: number }>>();
    for (let round = 0; round < roundCount; round++) {
      // Each round starts with the next proxy, so none always follows the same one.
      const order = [...proxies.slice(round % proxies.length), ...proxies.slice(0, round % proxies.length)];
      for (const proxy of order) {
        const pids = proxy.pids();
        const before = cpuSeconds(pids);
        const result = await wrk(wrkBinary, {
          url: proxy.url,
          durationSeconds: seconds,
          script: proxy.script,
        });
        const cpu = ((cpuSeconds(pids) - before) * 1e6) / result.total;
        results.set(proxy.name, [...(results.get(proxy.name) ?? []), { ...result, cpu }]);
      }
    }
    return proxies.map(({ name }) => {
      const runs = results.get(name)!;
      return {
        name,
        requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
        p99: median(runs.map((run) => run.p99)),
        cpuMicrosPerRequest: median(runs.map((run) => run.cpu)),
        rounds: runs.map((run) => run.cpu),
        errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
      };
    });
  } finally {
    await Promise.all(children.map(stop));
    await jwks.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printFloorBench(rows: FloorRow[]) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(26)} ${row.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${row.p99.toFixed(2).padStart(6)} ms  ${row.cpuMicrosPerRequest.toFixed(1).padStart(6)} µs CPU/req (rounds ${row.rounds.map((cpu) => cpu.toFixed(1)).join(', ')})  errors ${row.errors}`,
    );
  }
  const bare = byName.get('bare node proxy')!;
  const fig = byName.get('fig, split, auth none')!;
  const secured = byName.get('fig, RS256 auth + limit')!;
  const perRound = (a: FloorRow, b: FloorRow) =>
    a.rounds.map((cpu, i) => (cpu / b.rounds[i]!).toFixed(2)).join(', ');
  console.log(
    `Fig / bare Node proxy, CPU per request: ${(fig.cpuMicrosPerRequest / bare.cpuMicrosPerRequest).toFixed(2)} (per round ${perRound(fig, bare)}; target <= 1.25)`,
  );
  console.log(
    `auth + rate limit / none, by CPU per request: ${(fig.cpuMicrosPerRequest / secured.cpuMicrosPerRequest).toFixed(2)} (per round ${perRound(fig, secured)}; target >= 0.90)`,
  );
  const baseline = byName.get('baseline fig, split');
  if (baseline)
    console.log(
      `Fig / baseline, CPU per request: ${(fig.cpuMicrosPerRequest / baseline.cpuMicrosPerRequest).toFixed(2)} (per round ${perRound(fig, baseline)})`,
    );
}

if (import.meta.main) printFloorBench(await runFloorBench());
