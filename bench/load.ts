import autocannon from 'autocannon';
import { pacedLoad } from './paced-load.ts';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

export interface LoadOptions {
  url: string;
  connections?: number;
  durationSeconds?: number;
  /** Total requests instead of a duration. */
  amount?: number;
  /** A fixed request rate across all connections instead of as fast as possible. */
  rate?: number;
  /** Requests cycled through per connection (e.g. distinct users for a sticky split). */
  requests?: Array<{ headers: Record<string, string> }>;
}

/** The middle value (the upper middle of an even count). */
export const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One run, latencies in milliseconds: autocannon as fast as it can, or evenly paced at a fixed `rate`. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.rate !== undefined) {
    const [result] = await pacedLoad({
      urls: [options.url],
      rate: options.rate,
      durationSeconds: options.durationSeconds ?? 10,
      connections: options.connections ?? 50,
      requests: options.requests,
    });
    return result!;
  }
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? 10,
    amount: options.amount,
    requests: options.requests,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}
