// An open-loop load at a fixed rate, evenly paced. autocannon's `overallRate` releases each
// second's budget as a burst, so at 1,000 req/s even the upstream alone showed a p99 of
// 20+ ms of queueing behind its own burst; latency "at a fixed rate" has to be measured with
// requests spread over the second. Latency counts from each request's scheduled start, so a
// stalled server cannot hide its stall by delaying later sends (coordinated omission).
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { LoadResult } from './load.ts';

export interface PacedLoadOptions {
  url: string;
  rate: number;
  durationSeconds: number;
  connections: number;
  requests?: Array<{ headers: Record<string, string> }>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function pacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections });
  const path = `${target.pathname}${target.search}`;
  const total = Math.round(options.rate * options.durationSeconds);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const scheduled = started + (i * 1000) / options.rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    const headers = options.requests?.[i % options.requests.length]?.headers;
    // Timers fire late, never early, so a request may also go out up to a millisecond before its
    // slot; it is then timed from when it went out, not from a slot it never waited for.
    const from = Math.min(scheduled, performance.now());
    inFlight.push(
      pool.request({ path, method: 'GET', headers }).then(
        async (response) => {
          await response.body.text();
          if (response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
          latencies.push(performance.now() - from);
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50: Number(percentile(latencies, 50).toFixed(2)),
    p99: Number(percentile(latencies, 99).toFixed(2)),
    errors,
    non2xx,
    total: latencies.length + errors,
  };
}
