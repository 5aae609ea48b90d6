import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { composeSupergraph } from '@fig/federation';
import { sdl } from './subgraphs.ts';
import { median } from '../load.ts';
import { ensureWrk, postScript, wrk } from '../wrk.ts';

// bff-web against plain @apollo/gateway and Hive Gateway on the demo graph's deep query.
// Each gateway gets core 0 to itself (taskset); the subgraphs and the load generator share
// core 1. Answers are compared first; then subgraph fetches per query are counted; then load.

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const query = readFileSync(join(here, 'query.graphql'), 'utf8');
const body = JSON.stringify({ query, operationName: 'TestQuery' });
const hiveBin = join(here, 'hive/node_modules/.bin/hive-gateway');
const pin = (core: number, command: string[]) =>
  process.platform === 'linux' ? ['taskset', '-c', String(core), ...command] : command;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(command: string[], env: Record<string, string>): ChildProcess {
  const [bin, ...args] = command;
  const child = spawn(bin, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => process.env.BENCH_VERBOSE && process.stderr.write(chunk));
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(3000).then(() => child.kill('SIGKILL'))]);
}

/** CPU time (user + system) a process has used so far, in ms (Linux). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, fields 14 and 15, in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

// wrk (a C load generator, installed from Debian like nginx) when it can be had: it takes far
// less of the shared core than autocannon; autocannon otherwise.
const wrkBinary = ensureWrk();
let wrkScript: string | undefined;

async function hammer(url: string, duration: number) {
  if (wrkBinary) {
    wrkScript ??= postScript(dir, body);
    // A deep query on a loaded core can take seconds: counted, not cut off at wrk's 2 s
    // (autocannon's 10 s, as before).
    const result = await wrk(wrkBinary, {
      url,
      durationSeconds: duration,
      connections,
      script: wrkScript,
      timeoutSeconds: 10,
    });
    return {
      rps: result.requestsPerSecond,
      p99: result.p99,
      total: result.total,
      errors: result.errors + result.non2xx,
    };
  }
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function post(url: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return (await response.json()) as { data?: unknown; errors?: unknown[] };
}

async function waitForAnswer(url: string, child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: gateway exited with ${child.exitCode}`);
    try {
      const answer = await post(url);
      if (answer.data) return answer;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

interface Gateway {
  name: string;
  command: (port: number, supergraph: string) => string[];
  env?: (supergraph: string, rules: string) => Record<string, string>;
  path: string;
}

const gateways: Gateway[] = [
  {
    name: 'apollo-gateway',
    command: () => ['node', join(here, 'apollo-gateway.ts')],
    env: (supergraph) => ({ SUPERGRAPH_PATH: supergraph, APOLLO_TELEMETRY_DISABLED: '1' }),
    path: '/',
  },
  {
    name: 'hive-gateway',
    command: (port, supergraph) => [
      'node',
      hiveBin,
      'supergraph',
      supergraph,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    path: '/graphql',
  },
  {
    name: 'bff-web',
    command: () => ['node', join(root, 'bff-web/src/main.ts')],
    env: (supergraph, rules) => ({
      SUPERGRAPH_PATH: supergraph,
      ROUTING_RULES: rules,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      // A free one: two bff-webs (BENCH_SHARING) would both want the default.
      INTERNAL_PORT: '0',
    }),
    path: '/graphql',
  },
  // BENCH_SHARING=1 adds bff-web sharing identical in-flight queries (every request here is
  // the same anonymous query, so this measures the best case of sharing, not the gateway).
  ...(process.env.BENCH_SHARING
    ? [
        {
          name: 'bff-web+sharing',
          command: () => ['node', join(root, 'bff-web/src/main.ts')],
          env: (supergraph: string, rules: string) => ({
            SUPERGRAPH_PATH: supergraph,
            ROUTING_RULES: rules,
            NODE_ENV: 'production',
            LOG_LEVEL: 'warn',
            INTERNAL_PORT: '0',
            SHARE_IDENTICAL_OPERATIONS: 'true',
          }),
          path: '/graphql',
        },
      ]
    : []),
];

// This process (load generator) and the subgraphs it starts share core 1.
if (process.platform === 'linux')
  spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const dir = mkdtempSync(join(tmpdir(), 'fig-bench-federation-'));
const subgraphs = start(['node', join(here, 'subgraphs.ts')], {});
try {
  const [line] = (await once(subgraphs.stdout!, 'data')) as [Buffer];
  const servers = JSON.parse(line.toString()) as { name: keyof typeof sdl; url: string }[];
  const composed = composeSupergraph(servers.map(({ name, url }) => ({ name, url, sdl: sdl[name] })));
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  const supergraph = join(dir, 'supergraph.graphql');
  writeFileSync(supergraph, composed.supergraphSdl);
  const rules = join(dir, 'routes.yaml');
  writeFileSync(rules, 'version: 1\nupstreams:\n  monolith: { url: http://127.0.0.1:1 }\nroutes: []\n');
  const fetchCount = async () => {
    const counts = await Promise.all(
      servers.map(async ({ url }) => Number(await (await fetch(url.replace('/graphql', '/count'))).text())),
    );
    return counts.reduce((a, b) => a + b, 0);
  };

  const results: {
    name: string;
    rps: number;
    p99: number;
    cpuPerRequest: number;
    fetches: number;
    errors: number;
  }[] = [];
  // All gateways run at once, each pinned to core 0 but only one under load at a time; the
  // measurement rounds alternate between them so a noisy neighbour hurts none in particular.
  const running: { gateway: Gateway; url: string; child: ChildProcess; fetches: number }[] = [];
  let reference: unknown;
  try {
    for (const gateway of gateways) {
      if (gateway.name === 'hive-gateway' && !existsSync(hiveBin)) {
        process.stdout.write(
          'hive-gateway: not installed (npm ci --prefix bench/federation/hive); skipped\n',
        );
        continue;
      }
      const port = await freePort();
      const child = start(pin(0, gateway.command(port, supergraph)), {
        PORT: String(port),
        ...gateway.env?.(supergraph, rules),
      });
      const url = `http://127.0.0.1:${port}${gateway.path}`;
      running.push({ gateway, url, child, fetches: 0 });
      const answer = await waitForAnswer(url, child);
      if (answer.errors)
        throw new Error(`${gateway.name} answered with errors: ${JSON.stringify(answer.errors)}`);
      reference ??= answer.data;
      if (!isDeepStrictEqual(answer.data, reference)) throw new Error(`${gateway.name} answered differently`);
      await fetchCount();
      await post(url);
      running.at(-1)!.fetches = await fetchCount();
      // Warm up (JIT, pools, plan caches) before measuring.
      await hammer(url, 2);
    }
    const samples = new Map<string, { rps: number; p99: number; cpuPerRequest: number; errors: number }[]>();
    for (let round = 0; round < rounds; round++) {
      for (const { gateway, url, child } of running) {
        const cpuBefore = cpuMs(child.pid!);
        const result = await hammer(url, seconds);
        const sample = {
          rps: result.rps,
          p99: result.p99,
          cpuPerRequest: (cpuMs(child.pid!) - cpuBefore) / Math.max(1, result.total),
          errors: result.errors,
        };
        samples.set(gateway.name, [...(samples.get(gateway.name) ?? []), sample]);
        process.stdout.write(
          `round ${round + 1} ${gateway.name}: ${sample.rps.toFixed(0)} req/s, p99 ${sample.p99} ms, ${sample.cpuPerRequest.toFixed(2)} ms CPU per request\n`,
        );
      }
    }
    for (const { gateway, fetches } of running) {
      const list = samples.get(gateway.name)!;
      results.push({
        name: gateway.name,
        rps: median(list.map((s) => s.rps)),
        p99: median(list.map((s) => s.p99)),
        cpuPerRequest: median(list.map((s) => s.cpuPerRequest)),
        fetches,
        errors: list.reduce((sum, s) => sum + s.errors, 0),
      });
    }
  } finally {
    await Promise.all(running.map(({ child }) => stop(child)));
  }

  // req/s and p99 are what the load generator saw; on a busy machine they also measure the
  // neighbours. CPU per request (from /proc) is the gateway's own cost, so "per core" capacity
  // (1000 / CPU ms) is the steadier comparison.
  const apollo = results.find((r) => r.name === 'apollo-gateway')!;
  const columns = [
    'gateway',
    'req/s',
    'p99 ms',
    'CPU ms/req',
    'fetches',
    'errors',
    'req/s ×',
    'per-core ×',
    'p99 ÷',
  ];
  const widths = [16, 9, 9, 12, 9, 8, 9, 12, 8];
  const row = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('') + '\n';
  process.stdout.write(`\n${row(columns)}`);
  for (const r of results) {
    process.stdout.write(
      row([
        r.name,
        r.rps.toFixed(0),
        String(r.p99),
        r.cpuPerRequest.toFixed(2),
        String(r.fetches),
        String(r.errors),
        (r.rps / apollo.rps).toFixed(2),
        (apollo.cpuPerRequest / r.cpuPerRequest).toFixed(2),
        (r.p99 / apollo.p99).toFixed(2),
      ]),
    );
  }
  process.stdout.write('(×: against apollo-gateway, higher is better; p99 ÷: lower is better)\n');
} finally {
  await stop(subgraphs);
  rmSync(dir, { recursive: true, force: true });
}
