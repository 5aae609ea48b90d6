// An open-loop load at a fixed rate, evenly paced. autocannon's `overallRate` releases each
// second's budget as a burst, so at 1,000 req/s even the upstream alone showed a p99 of
// 20+ ms of queueing behind its own burst; latency "at a fixed rate" has to be measured with
// requests spread over the second. Latency counts from each request's scheduled start, so a
// stalled server cannot hide its stall by delaying later sends (coordinated omission).
//
// Several URLs can be loaded side by side, each at the full rate, their requests taking turns
// in one schedule: a stall of the machine, the load generator or a shared upstream then lands
// on all of them in the same milliseconds, and their difference is what each adds.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { LoadResult } from './load.ts';

export interface PacedLoadOptions {
  urls: string[];
  /** Requests per second to each URL. */
  rate: number;
  durationSeconds: number;
  /** Client connections to each URL. */
  connections: number;
  requests?: Array<{ headers: Record<string, string> }>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One result per URL, in the order given. */
export async function pacedLoad(options: PacedLoadOptions): Promise<LoadResult[]> {
  const targets = options.urls.map((url) => {
    const target = new URL(url);
    return {
      pool: new Pool(target.origin, { connections: options.connections }),
      path: `${target.pathname}${target.search}`,
      latencies: [] as number[],
      errors: 0,
      non2xx: 0,
    };
  });
  const perTarget = Math.round(options.rate * options.durationSeconds);
  const slotMs = 1000 / (options.rate * targets.length);
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  for (let slot = 0; slot < perTarget * targets.length; slot += 1) {
    const target = targets[slot % targets.length];
    const sequence = Math.floor(slot / targets.length);
    const scheduled = started + slot * slotMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    const headers = options.requests?.[sequence % options.requests.length]?.headers;
    // Timers fire late, never early, so a request may also go out up to a millisecond before its
    // slot; it is then timed from when it went out, not from a slot it never waited for.
    const from = Math.min(scheduled, performance.now());
    inFlight.push(
      target.pool.request({ path: target.path, method: 'GET', headers }).then(
        async (response) => {
          await response.body.text();
          if (response.statusCode < 200 || response.statusCode >= 300) target.non2xx += 1;
          target.latencies.push(performance.now() - from);
        },
        () => {
          target.errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(targets.map(({ pool }) => pool.close()));
  return targets.map(({ latencies, errors, non2xx }) => {
    latencies.sort((a, b) => a - b);
    return {
      requestsPerSecond: latencies.length / elapsed,
      p50: Number(percentile(latencies, 50).toFixed(2)),
      p99: Number(percentile(latencies, 99).toFixed(2)),
      errors,
      non2xx,
      total: latencies.length + errors,
    };
  });
}
