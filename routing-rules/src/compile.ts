import { createHash } from 'node:crypto';
import { parseDuration } from './duration.ts';
import type { CompiledRoute, CompiledRules, CompiledUpstream, RateLimit, StickyMode } from './types.ts';
import type { RulesDocument } from './validate.ts';

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

  const version = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 12);
  return Object.freeze({
    version,
    source,
    upstreams,
    defaults,
    routes: Object.freeze(routes),
    byName: new Map(routes.map((route) => [route.name, route])),
    match,
  });
}
