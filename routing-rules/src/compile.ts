import { createHash } from 'node:crypto';
import { parseDuration } from './duration.ts';
import { shareOf } from './ramp-check.ts';
import type {
  CompiledRamp,
  CompiledRoute,
  CompiledRules,
  CompiledUpstream,
  RateLimit,
  StickyMode,
} from './types.ts';
import type { RampDocument, RulesDocument } from './validate.ts';

function compileRamp(ramp: RampDocument, floor: number): CompiledRamp {
  const { errorRate, latency, mismatches } = ramp.gates;
  const compiled = {
    steps: Object.freeze([...ramp.steps]),
    intervalMs: parseDuration(ramp.interval),
    minDurationMs: parseDuration(ramp.minDuration),
    maxDurationMs: parseDuration(ramp.maxDuration),
    minRequests: ramp.minRequests,
    gates: Object.freeze({
      errorRate: errorRate && {
        max: errorRate.max === undefined ? undefined : shareOf(errorRate.max),
        maxIncrease: errorRate.maxIncrease === undefined ? undefined : shareOf(errorRate.maxIncrease),
        critical:
          errorRate.critical === undefined
            ? Math.max(10, 2 * (errorRate.max === undefined ? 0 : shareOf(errorRate.max)))
            : shareOf(errorRate.critical),
      },
      latency: latency && { p99Increase: shareOf(latency.p99Increase) },
      mismatches: mismatches && { max: shareOf(mismatches.max) },
    }),
    approve: Object.freeze([...(ramp.approve ?? [])]),
  };
  const id = createHash('sha256')
    .update(JSON.stringify({ floor, ...compiled }))
    .digest('hex')
    .slice(0, 12);
  return Object.freeze({ ...compiled, id });
}

function rateLimitOf(limit: { max: number; window: string; by: 'subject' | 'ip' }): RateLimit {
  return { max: limit.max, windowMs: parseDuration(limit.window), by: limit.by };
}

/** Each segment-boundary prefix of a path, longest first: /a/b -> /a/b, /a, /. */
function* prefixes(path: string): Generator<string> {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  while (end > 0) {
    yield path.slice(0, end);
    end = path.lastIndexOf('/', end - 1);
  }
  yield '/';
}

/** Turns a validated document into immutable rules with a fast matcher. */
export function compileRules(doc: RulesDocument, source?: string): CompiledRules {
  const upstreams = new Map<string, CompiledUpstream>();
  for (const [name, u] of Object.entries(doc.upstreams)) {
    upstreams.set(name, {
      name,
      url: u.url.replace(/\/$/, ''),
      connectTimeoutMs: parseDuration(u.connectTimeout),
      timeoutMs: parseDuration(u.timeout),
      bodyTimeoutMs: parseDuration(u.bodyTimeout),
      connections: u.connections,
      retries: u.retries,
      dryRun: u.dryRun === true,
      breaker: {
        volumeThreshold: u.breaker.volumeThreshold,
        errorThresholdPercentage: u.breaker.errorThresholdPercentage,
        resetTimeoutMs: parseDuration(u.breaker.resetTimeout),
        rollingWindowMs: parseDuration(u.breaker.rollingWindow),
      },
    });
  }
  const defaults = {
    auth: doc.defaults.auth,
    rateLimit: rateLimitOf(doc.defaults.rateLimit),
    sticky: doc.defaults.sticky as StickyMode,
    bodyLimit: doc.defaults.bodyLimit,
  };
  const routes: CompiledRoute[] = doc.routes.map((r) =>
    Object.freeze({
      name: r.name,
      path: r.path,
      methods: r.methods ? Object.freeze([...r.methods]) : undefined,
      service: r.service,
      upstream: r.upstream,
      percent: r.percent,
      threshold: Math.round(r.percent * 100),
      sticky: (r.sticky ?? defaults.sticky) as StickyMode,
      shadow: r.shadow,
      compare: r.compare,
      auth: r.auth ?? defaults.auth,
      scopes: r.scopes ? Object.freeze([...r.scopes]) : undefined,
      rateLimit: r.rateLimit ? rateLimitOf(r.rateLimit) : defaults.rateLimit,
      bodyLimit: r.bodyLimit ?? defaults.bodyLimit,
      ramp: r.ramp && r.service !== undefined ? compileRamp(r.ramp, r.percent) : undefined,
      implicit: false,
    }),
  );
  const fallback: CompiledRoute = Object.freeze({
    name: 'default',
    path: '/',
    percent: 0,
    threshold: 0,
    sticky: defaults.sticky,
    auth: defaults.auth,
    rateLimit: defaults.rateLimit,
    bodyLimit: defaults.bodyLimit,
    implicit: true,
  });
  const version = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 12);
  return assembleRules({ version, source, upstreams, defaults }, routes, fallback);
}

/**
 * Rules from their parts: the matcher and the by-name index over `routes`. Used to compile a
 * file, and again by effective-shares.ts to put a ramp's share into the routes.
 */
export function assembleRules(
  parts: Pick<CompiledRules, 'version' | 'source' | 'upstreams' | 'defaults'>,
  routes: readonly CompiledRoute[],
  fallback: CompiledRoute,
): CompiledRules {
  const byPath = new Map<string, CompiledRoute[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);

  const match = (method: string, path: string): CompiledRoute => {
    for (const prefix of prefixes(path)) {
      const candidates = byPath.get(prefix);
      if (candidates === undefined) continue;
      for (const route of candidates) {
        if (route.methods === undefined || route.methods.includes(method)) return route;
        // HEAD is a GET without a body: a GET route serves it too.
        if (method === 'HEAD' && route.methods.includes('GET')) return route;
      }
    }
    return fallback;
  };

  return Object.freeze({
    version: parts.version,
    source: parts.source,
    upstreams: parts.upstreams,
    defaults: parts.defaults,
    routes: Object.freeze([...routes]),
    fallback,
    byName: new Map(routes.map((route) => [route.name, route])),
    match,
  });
}
