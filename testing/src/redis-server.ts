import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedPort } from './closed-port.ts';

export interface RunningRedis {
  readonly port: number;
  readonly url: string;
  /** The running redis-server's process id (e.g. to measure its CPU time). */
  readonly pid: number | undefined;
  /** SIGKILL: Redis vanishes mid-conversation, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill), e.g. to test recovery. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered — a Redis that is hung or very slow. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops it for good. */
  stop(): Promise<void>;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

export interface RedisServerOptions {
  /**
   * Keep an append-only file in this folder, fsynced on every write, so a kill and a restart
   * keep every write Redis acknowledged (as a production Redis holding event streams does).
   */
  appendOnlyDir?: string;
}

/**
 * A real `redis-server` on a private port, in memory only (no RDB/AOF files) unless told to
 * persist, for tests that need shared state. Requires the redis-server binary (Debian package
 * `redis-server`).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const port = await closedPort();
  let child: ChildProcess | undefined;
  const persistence = options.appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.appendOnlyDir]
    : ['--appendonly', 'no'];

  const launch = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    child = started;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
      if (await answersPing(port)) return;
      await sleep(20);
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port}`);
  };

  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGKILL');
      await launch();
    },
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    stop: async () => {
      child?.kill('SIGCONT');
      await end('SIGTERM');
    },
  };
}
