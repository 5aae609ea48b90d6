// wrk (a C load generator) as the full-load client of the proxy benchmark: it spends far less
// CPU per request than autocannon, so on two cores more of the machine goes to the proxy
// measured. Installed from Debian when missing, like nginx.
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load.ts';

/** The wrk binary, installed from Debian (`apt-get install wrk`) when missing; undefined if that fails. */
export function ensureWrk(): string | undefined {
  const find = () => execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim();
  try {
    return find();
  } catch {
    try {
      console.log('installing wrk from Debian ...');
      execFileSync(
        'sh',
        ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'],
        {
          stdio: 'inherit',
        },
      );
      return find();
    } catch {
      return undefined;
    }
  }
}

/** A wrk script that sends each request with the next of `users` values of `header`. */
export function userScript(dir: string, header: string, users: number): string {
  const file = join(dir, `users-${header}-${users}.lua`);
  writeFileSync(
    file,
    `local i = 0
request = function()
  i = (i % ${users}) + 1
  wrk.headers["${header}"] = "user-" .. (i - 1)
  return wrk.format(nil)
end
`,
  );
  return file;
}

const millis = (text: string) => {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) return NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
};

/** Parses wrk's `--latency` report. */
export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50: millis(/^\s+50%\s+(\S+)/m.exec(output)?.[1] ?? ''),
    p99: millis(/^\s+99%\s+(\S+)/m.exec(output)?.[1] ?? ''),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    total: number(/(\d+) requests in/),
  };
}

export interface WrkOptions {
  url: string;
  durationSeconds: number;
  connections?: number;
  /** A wrk Lua script (see userScript). */
  script?: string;
  headers?: Record<string, string>;
  /** Seconds before wrk counts a request as timed out (an error); wrk's own default is 2. */
  timeoutSeconds?: number;
}

/** One wrk run, one thread, 50 connections unless told. */
export function wrk(binary: string, options: WrkOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections ?? 50}`, `-d${options.durationSeconds}s`, '--latency'];
  if (options.timeoutSeconds) args.push('--timeout', `${options.timeoutSeconds}s`);
  if (options.script) args.push('-s', options.script);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) =>
    execFile(binary, args, { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(parseWrk(stdout)),
    ),
  );
}

/** A wrk script that sends every request as a JSON POST of `body`. */
export function postScript(dir: string, body: string): string {
  const file = join(dir, 'post.lua');
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = ${JSON.stringify(body)}
`,
  );
  return file;
}
