import {
  chooseBackend,
  type CompiledRoute,
  type CompiledRules,
  type CompiledUpstream,
  type Side,
  upstreamFor,
} from '@fig/routing-rules';
import type { IncomingHttpHeaders } from 'node:http';
import { ForcedBackendInvalid } from '../errors.ts';

/** The header an authorised caller forces a backend with (README, "Choosing the backend"). */
export const forceBackendHeader = 'x-fig-backend';

/** What the decision reads of a request: its edge context and headers. No Fastify needed. */
export interface DecisionInput {
  fig: { route: CompiledRoute; rules: CompiledRules; subject?: string; scopes: string[]; clientIp: string };
  headers: IncomingHttpHeaders;
}

/** Where a request goes, and what may serve it when that upstream cannot. */
export interface Decision {
  side: Side;
  upstream: CompiledUpstream;
  /** Chosen by an authorised `x-fig-backend`: never falls back. */
  forced: boolean;
  /**
   * The monolith, when a service chosen by the split cannot answer (failure-policy.ts says
   * when); undefined when `upstream` is the last stop.
   */
  fallback: CompiledUpstream | undefined;
}

/**
 * The backend for a request, on its own rules snapshot: the side an authorised
 * `x-fig-backend` names (`forceScope` is the token scope that allows it), else the sticky
 * split. Throws ForcedBackendInvalid when an authorised header names neither of the route's
 * backends. A pure function of the request, bar the split's random bucket for a request
 * with no sticky key.
 */
export function decide(request: DecisionInput, forceScope: string): Decision {
  const { route, rules, subject, scopes, clientIp } = request.fig;
  const monolith = rules.upstreams.get(upstreamFor(route, 'monolith'))!;
  const forced = forcedSide(request, forceScope);
  const side = forced ?? chooseBackend(route, { subject, ip: clientIp, headers: request.headers });
  if (side === 'monolith')
    return { side, upstream: monolith, forced: forced !== undefined, fallback: undefined };
  const service = rules.upstreams.get(route.service!)!;
  return forced
    ? { side, upstream: service, forced: true, fallback: undefined }
    : { side, upstream: service, forced: false, fallback: monolith };
}

/** The side an authorised `x-fig-backend` asks for; undefined when absent or not authorised. */
function forcedSide(request: DecisionInput, scope: string): Side | undefined {
  const wanted = request.headers[forceBackendHeader];
  if (typeof wanted !== 'string' || !request.fig.scopes.includes(scope)) return undefined;
  const { route } = request.fig;
  if (route.service !== undefined && wanted === route.service) return 'service';
  if (wanted === upstreamFor(route, 'monolith')) return 'monolith';
  throw new ForcedBackendInvalid([route.service, upstreamFor(route, 'monolith')].filter(Boolean).join(', '));
}
