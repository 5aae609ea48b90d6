import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Limiter, RateLimitStore } from '../plugins/rate-limit-store.ts';

export interface AuthFailureLimits {
  /** Failed authentications an address may cause per window. */
  max: number;
  windowMs: number;
}

// Route names are lower-case letters, digits and dashes: this key can never be a route's.
const keyPrefix = '_auth-failures|ip|';

/**
 * Failed authentications per client address, counted in the shared rate-limit store (so N
 * gateways count one budget). Only failures are charged: a valid token never costs its
 * address anything, so users behind one address do not crowd each other out. Once an address
 * is over its budget, the gateway remembers it until the window ends and refuses that
 * address's unknown tokens without verifying them: one map lookup instead of a signature
 * check, so a flood of made-up tokens costs little. A replica that has not seen the address go
 * over learns it from the store on the next failure there. Bounded like the token cache: the
 * oldest address goes first.
 */
export class AuthFailureBudget {
  readonly #count: Limiter;
  readonly #throttled = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(store: RateLimitStore, limits: AuthFailureLimits, maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
    this.#count = store.limiter({
      keyGenerator: (request: FastifyRequest) => keyPrefix + normalizeIP(request.fig.clientIp),
      max: limits.max,
      timeWindow: limits.windowMs,
    });
  }

  /** Seconds until the address's budget is back when it is exhausted, else undefined. */
  exhausted(request: FastifyRequest, now = Date.now()): number | undefined {
    if (this.#throttled.size === 0) return undefined;
    const address = normalizeIP(request.fig.clientIp);
    const until = this.#throttled.get(address);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.#throttled.delete(address);
      return undefined;
    }
    return Math.ceil((until - now) / 1000);
  }

  /**
   * Charges one failed authentication to the request's address. Resolves to the seconds until
   * the budget is back when this failure went over it, else undefined (also when the store
   * could not count: the request is refused anyway).
   */
  charge(request: FastifyRequest): Promise<number | undefined> {
    return new Promise((resolve) => {
      this.#count(request, (decision) => {
        if (!decision?.isExceeded) return resolve(undefined);
        const address = normalizeIP(request.fig.clientIp);
        this.#throttled.delete(address);
        this.#throttled.set(address, Date.now() + decision.ttl);
        if (this.#throttled.size > this.#maxEntries) {
          this.#throttled.delete(this.#throttled.keys().next().value as string);
        }
        resolve(decision.ttlInSeconds);
      });
    });
  }
}
