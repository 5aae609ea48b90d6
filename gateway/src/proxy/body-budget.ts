import type { ServerResponse } from 'node:http';
import type { GatewayMetrics } from '../metrics.ts';

/** What a response's request holds of the budget; set only on requests with a buffered body. */
const heldBytes = Symbol('fig.bodyBytesHeld');
type Holder = ServerResponse & { [heldBytes]?: number };

/**
 * One budget for the request-body bytes the edge holds in memory across every request in
 * flight (bodies read whole for replay, chunked bodies read to learn their length). Each
 * request's share is held until its response closes — sent, aborted by the client, or ended
 * by the server's request timeout — so a client that declares a body and trickles it holds
 * its share no longer than REQUEST_TIMEOUT_MS, and no path keeps it for good.
 */
export class BodyBudget {
  readonly limit: number;
  readonly #metrics: Pick<GatewayMetrics, 'bufferedBodyBytes' | 'boundHits'>;
  #held = 0;

  constructor(limit: number, metrics: Pick<GatewayMetrics, 'bufferedBodyBytes' | 'boundHits'>) {
    this.limit = limit;
    this.#metrics = metrics;
  }

  /** Bytes held now, by all requests. */
  get held(): number {
    return this.#held;
  }

  /**
   * Makes the request's share at least `bytes` until its response closes. False (and counted
   * with `whenFull`) when the budget has no room: the request keeps what it held.
   */
  hold(response: ServerResponse, bytes: number, whenFull: 'streamed' | 'refused'): boolean {
    const holder = response as Holder;
    // A response already closed has nothing left to read or replay.
    if (response.closed) return true;
    const before = holder[heldBytes] ?? 0;
    const more = bytes - before;
    if (more <= 0) return true;
    if (this.#held + more > this.limit) {
      this.#metrics.boundHits.inc({ bound: 'request_body_budget', action: whenFull });
      return false;
    }
    if (before === 0) response.once('close', () => this.#release(holder));
    holder[heldBytes] = bytes;
    this.#change(more);
    return true;
  }

  #release(holder: Holder): void {
    const bytes = holder[heldBytes] ?? 0;
    holder[heldBytes] = 0;
    this.#change(-bytes);
  }

  #change(bytes: number): void {
    this.#held += bytes;
    this.#metrics.bufferedBodyBytes.set(this.#held);
  }
}
