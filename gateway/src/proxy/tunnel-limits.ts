import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';

/** Counts what is open per key, up to a cap; a key at zero is forgotten. */
export class OpenCounts {
  readonly max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.max = max;
  }

  /** Takes one for `key`; false when it already has `max`. */
  take(key: string): boolean {
    const open = this.#open.get(key) ?? 0;
    if (open >= this.max) return false;
    this.#open.set(key, open + 1);
    return true;
  }

  give(key: string): void {
    const open = (this.#open.get(key) ?? 0) - 1;
    if (open > 0) this.#open.set(key, open);
    else this.#open.delete(key);
  }
}

/**
 * Who a tunnel is charged to, as the rate limit decides (docs/architecture.md §3.3): the verified subject,
 * else the client address, IPv6 grouped by /64. Never a header the client chose.
 */
export function tunnelClientKey(request: FastifyRequest): string {
  const { subject, clientIp } = request.fig;
  return subject !== undefined ? `s|${subject}` : `ip|${normalizeIP(clientIp)}`;
}

/** Runs `then` once the stream has closed, also when it already has. */
export function whenClosed(stream: Duplex, then: () => void): void {
  if (stream.closed) then();
  else stream.once('close', then);
}

/** An upstream had no room for another tunnel: nothing was sent to it. */
export class UpstreamTunnelsFull extends Error {
  readonly upstream: string;
  constructor(upstream: string) {
    super(`upstream ${upstream} has no room for another WebSocket`);
    this.upstream = upstream;
  }
}
