import type { CompiledRoute, CompiledRules, Side } from '@fig/routing-rules';
import type { BodyObserver, UpstreamAnswer } from './proxy/taps.ts';

/**
 * What the edge knows about a request, built up by the onRequest hooks in order:
 * normalise path -> match route -> auth (subject, scopes) -> rate limit (keyed by that subject).
 * The proxy handler and shadowing read it.
 */
export interface EdgeContext {
  /** The normalised path routes are matched on and the upstream receives. */
  path: string;
  /** The rules snapshot the request started with; a reload mid-request does not change it. */
  rules: CompiledRules;
  /** The matched route, or the rules' implicit default route to the monolith. */
  route: CompiledRoute;
  /** The verified token's `sub`; undefined for anonymous requests. */
  subject?: string;
  /** The verified token's scopes. */
  scopes: string[];
  /** The client address, trusting forwarded headers only per TRUST_PROXY. */
  clientIp: string;
  /** Where the proxy sent the request (set once it has chosen; changes on fallback). */
  backend?: { side: Side; upstream: string; url: string; forced: boolean; fallback?: FailureReason };
  /** When the proxy started on the request (performance.now()), for the upstream's latency. */
  proxyStartedAt?: number;
  /** Sees the answer's body as it arrives (shadowing's capture of a sampled request). */
  bodyObserver?: BodyObserver;
  /** What shadowing noted of the answer. Kept here rather than in WeakMaps keyed by request:
   *  two ephemerons per request made every young-generation GC measurably slower. */
  tapped?: Tapped;
}

/** An answer as a response tap noted it, for work done once the client has it (shadowing). */
export interface Tapped {
  route: CompiledRoute;
  rules: CompiledRules;
  side: Side;
  origin: string;
  answer: UpstreamAnswer;
  startedAt: number;
}

/** Why the monolith served a request meant for a service. */
export type FailureReason = 'breaker_open' | 'connect' | 'reset' | 'timeout';

declare module 'fastify' {
  interface FastifyRequest {
    fig: EdgeContext;
  }
}
