import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnOptions {
  /** Extra environment; PORT and INTERNAL_PORT default to 0, DATA_DIR to :memory:, LOG_LEVEL to info. */
  env?: Record<string, string>;
  /** The directory `dir` is relative to and the process runs in; default the repository. */
  cwd?: string;
  /** How long to wait for the listening line and a 200 from /health/ready. */
  timeoutMs?: number;
  /**
   * Which listening address answers /health/ready when a process opens several and none is
   * its internal listener (the gateway's admin port); otherwise the internal listener does.
   */
  readyAddressIndex?: number;
  /**
   * How many listeners the process announces before it counts as started: every deployable
   * has two (public and internal; the gateway's public and admin).
   */
  listeners?: number;
}

export interface RunningDeployable {
  readonly child: ChildProcess;
  /** Base URL of the first public listening address, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Base URL of the internal listener (health, metrics, subgraph, /internal), if it has one. */
  readonly internalUrl: string | undefined;
  /** Every address the process announced, in announcement order. */
  readonly addresses: string[];
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  /** SIGTERM (graceful drain) and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL — a crash, nothing gets to clean up. */
  kill(): Promise<number | null>;
}

// Fastify logs one line per bound address; the deployable picks its port, so this is how a
// test learns it when PORT=0. The internal listener's lines carry `"listener":"internal"`.
const listening = /Server listening at (http:\/\/[^"\s]+)/;
const internalLine = /"listener":"internal"/;

/**
 * Starts `node <dir>/src/main.ts` (dir relative to `cwd`, the repository root unless given) as
 * a real child process on port 0 and resolves once it answers /health/ready with 200.
 */
export async function spawnDeployable(dir: string, options: SpawnOptions = {}): Promise<RunningDeployable> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const env = {
    ...process.env,
    PORT: '0',
    INTERNAL_PORT: '0',
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'info',
    APOLLO_TELEMETRY_DISABLED: '1',
    ...options.env,
  };
  if (
    (env.PORT === '0' || env.INTERNAL_PORT === '0') &&
    !['info', 'debug', 'trace'].includes(env.LOG_LEVEL)
  ) {
    throw new Error(
      `spawnDeployable learns a port-0 address from the "Server listening" info line; ` +
        `LOG_LEVEL=${env.LOG_LEVEL} hides it — give PORT and INTERNAL_PORT, or keep LOG_LEVEL at info`,
    );
  }
  const child = spawn(process.execPath, [`${dir}/src/main.ts`], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let partial = '';
  // A fixed PORT is known up front; whatever else the process binds shows up in its log.
  const addresses: string[] = env.PORT === '0' ? [] : [`http://127.0.0.1:${env.PORT}`];
  const internal: string[] = [];
  const local = (address: string) =>
    address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    // Whole lines only: a chunk may end mid-line.
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const match = listening.exec(line);
      if (!match) continue;
      const address = local(match[1]);
      if (!addresses.includes(address)) addresses.push(address);
      if (internalLine.test(line) && !internal.includes(address)) internal.push(address);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  let exitedCode: number | null | undefined;
  void exit.then((code) => (exitedCode = code));

  const running: RunningDeployable = {
    child,
    get url() {
      return addresses.find((address) => !internal.includes(address))!;
    },
    get internalUrl() {
      return internal[0];
    },
    addresses,
    output: () => text,
    exited: () => exit,
    async stop() {
      if (exitedCode === undefined) child.kill('SIGTERM');
      return exit;
    },
    async kill() {
      if (exitedCode === undefined) child.kill('SIGKILL');
      return exit;
    },
  };

  const deadline = Date.now() + timeoutMs;
  const readyIndex = options.readyAddressIndex ?? 0;
  // Ready can answer on one listener before the other's line is logged: wait for both, so
  // `addresses` is whole when the caller gets it.
  const listeners = options.listeners ?? 2;
  while (Date.now() < deadline) {
    if (exitedCode !== undefined) {
      throw new Error(`${dir} exited with ${exitedCode} before it was ready:\n${text}`);
    }
    const base = internal[0] ?? addresses[readyIndex];
    if (base) {
      const ready = await fetch(`${base}/health/ready`)
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ready && addresses.length >= listeners) return running;
    }
    await sleep(50);
  }
  await running.kill();
  throw new Error(`${dir} was not ready within ${timeoutMs} ms:\n${text}`);
}
