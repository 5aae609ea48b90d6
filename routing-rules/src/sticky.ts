import type { CompiledRoute, Side } from './types.ts';

/**
 * The sticky bucket, 0..9999: FNV-1a (32-bit) over the UTF-16 code units of
 * `routeName + "\n" + key`, finished with MurmurHash3's fmix32 so that keys differing only
 * in their last characters still spread evenly, then `mod 10000`. Stable across processes
 * and releases: the gateway and the BFFs must agree on it, so changing it reassigns users.
 */
export function stickyBucket(routeName: string, key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < routeName.length; i++) hash = Math.imul(hash ^ routeName.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ 0x0a, 0x01000193);
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 10000;
}

/** Who is asking: the verified subject, the client address, the request headers. */
export interface Requester {
  subject?: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The key a route's `sticky` mode assigns on; undefined means "no key: pick per request". */
export function stickyKey(route: Pick<CompiledRoute, 'sticky'>, who: Requester): string | undefined {
  const mode = route.sticky;
  if (mode === 'subject') return who.subject ?? who.ip;
  if (mode === 'ip') return who.ip;
  if (mode === 'none') return undefined;
  const value = who.headers[mode.slice(7).toLowerCase()];
  // A missing header falls back to the client address, so those clients still stick.
  return (Array.isArray(value) ? value[0] : value) || who.ip;
}

/** Service or monolith for this requester: the service when `bucket < percent × 100`. */
export function chooseBackend(route: CompiledRoute, who: Requester): Side {
  if (route.service === undefined || route.threshold <= 0) return 'monolith';
  if (route.threshold >= 10000) return 'service';
  const key = stickyKey(route, who);
  const bucket = key === undefined ? Math.floor(Math.random() * 10000) : stickyBucket(route.name, key);
  return bucket < route.threshold ? 'service' : 'monolith';
}

/** The upstream name behind a side: the route's service, or its upstream / the monolith. */
export function upstreamFor(route: CompiledRoute, side: Side): string {
  return side === 'service' && route.service !== undefined ? route.service : (route.upstream ?? 'monolith');
}
