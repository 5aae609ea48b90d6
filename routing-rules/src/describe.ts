import { describeRamp } from './describe-ramp.ts';
import { isWrite } from './methods.ts';
import type { CompiledRoute, CompiledRules } from './types.ts';

function pct(value: number): string {
  return `${value}%`;
}

/** Where a route's traffic goes, e.g. `inventory 25% / monolith 75% (sticky by subject)`. */
export function describeShares(route: CompiledRoute): string {
  if (route.service === undefined) return `${route.upstream ?? 'monolith'} 100%`;
  const rest = Math.round((100 - route.percent) * 100) / 100;
  const shares = `${route.service} ${pct(route.percent)} / monolith ${pct(rest)}`;
  return route.percent === 0 || route.percent === 100 ? shares : `${shares} (sticky by ${route.sticky})`;
}

/** `shadow 20%`, and which writes are compared and how: `shadow 20%, POST compared as dry runs`. */
export function describeShadow(route: CompiledRoute): string {
  if (!route.shadow) return '';
  const writes = (route.compare?.methods ?? []).filter(isWrite);
  const shown = route.compare?.showValues?.length
    ? `, values shown for ${route.compare.showValues.join(', ')}`
    : '';
  const how = writes.length > 0 ? `, ${writes.join(',')} compared as dry runs` : '';
  return `shadow ${pct(route.shadow)}${how}${shown}`;
}

/** One line per route: name, path, methods, backends and shares, auth. */
export function summarise(rules: CompiledRules): string[] {
  const width = Math.max(...rules.routes.map((r) => r.name.length), 7);
  const pathWidth = Math.max(...rules.routes.map((r) => r.path.length), 4);
  const line = (r: CompiledRoute) =>
    [
      r.name.padEnd(width),
      r.path.padEnd(pathWidth),
      (r.methods?.join(',') ?? 'any').padEnd(8),
      describeShares(r),
      `auth ${r.auth}`,
      describeShadow(r),
    ]
      .filter(Boolean)
      .join('  ');
  return [
    `rules ${rules.version}: ${rules.routes.length} routes, ${rules.upstreams.size} upstreams`,
    ...rules.routes.flatMap((route) => [line(route), ...describeRamp(route).map((text) => `  ${text}`)]),
    `${'(other)'.padEnd(width)}  ${'*'.padEnd(pathWidth)}  ${'any'.padEnd(8)}  monolith 100%  auth ${rules.defaults.auth}`,
  ];
}

const fractions: [number, string][] = [
  [1, 'all'],
  [3 / 4, 'three quarters'],
  [2 / 3, 'two thirds'],
  [1 / 2, 'half'],
  [1 / 3, 'a third'],
  [1 / 4, 'a quarter'],
  [1 / 5, 'a fifth'],
  [1 / 10, 'a tenth'],
];

/** "about a quarter", "about 7%": how an operator thinks about a share of users. */
function share(points: number): string {
  const fraction = points / 100;
  const named = fractions.find(([value]) => Math.abs(value - fraction) < 0.005);
  if (named) return named[1] === 'all' ? 'all' : `about ${named[1]}`;
  return `about ${pct(Math.round(points * 100) / 100)}`;
}

function whoMoves(route: CompiledRoute): string {
  return route.sticky === 'none' ? 'requests' : 'users';
}

/** What moving from `active` to `next` does to clients, route by route. */
export function describeChanges(active: CompiledRules, next: CompiledRules): string[] {
  const changes: string[] = [];
  for (const route of next.routes) {
    const before = active.byName.get(route.name);
    if (before === undefined) {
      changes.push(`${route.name}: new route ${route.path} -> ${describeShares(route)}`);
      continue;
    }
    if (before.path !== route.path) changes.push(`${route.name}: path ${before.path} -> ${route.path}`);
    const who = whoMoves(route);
    if (before.service !== route.service || before.upstream !== route.upstream) {
      changes.push(`${route.name}: backends ${describeShares(before)} -> ${describeShares(route)}`);
    } else if (
      before.sticky !== route.sticky &&
      route.service !== undefined &&
      route.percent > 0 &&
      route.percent < 100
    ) {
      changes.push(
        `${route.name}: sticky ${before.sticky} -> ${route.sticky}: assignments reshuffle, ${who} may switch sides`,
      );
    } else if (before.percent !== route.percent) {
      const delta = route.percent - before.percent;
      const part = share(Math.abs(delta));
      const movers = part === 'all' ? `all ${who}` : `${part} of ${who}`;
      const moves =
        delta > 0
          ? `${movers} move to the service, none move back`
          : `${movers} move back to the monolith, none move to the service`;
      changes.push(`${route.name}: ${pct(before.percent)} -> ${pct(route.percent)}: ${moves}`);
    }
    if (before.ramp?.id !== route.ramp?.id) {
      changes.push(
        route.ramp === undefined
          ? `${route.name}: ramp removed; the share is percent (${route.percent}%) again`
          : `${route.name}: ${before.ramp === undefined ? 'new ramp' : 'ramp changed'}: it starts from its floor (${route.percent}%)`,
      );
    }
    if (before.auth !== route.auth) changes.push(`${route.name}: auth ${before.auth} -> ${route.auth}`);
    if (describeShadow(before) !== describeShadow(route)) {
      changes.push(
        `${route.name}: ${describeShadow(before) || 'no shadow'} -> ${describeShadow(route) || 'no shadow'}`,
      );
    }
  }
  for (const route of active.routes) {
    if (!next.byName.has(route.name))
      changes.push(`${route.name}: removed; ${route.path} falls back to the monolith`);
  }
  for (const [name, upstream] of next.upstreams) {
    const before = active.upstreams.get(name);
    if (before === undefined) changes.push(`upstream ${name}: added (${upstream.url})`);
    else if (before.url !== upstream.url) changes.push(`upstream ${name}: ${before.url} -> ${upstream.url}`);
    if (before !== undefined && before.dryRun !== upstream.dryRun) {
      changes.push(
        `upstream ${name}: ${upstream.dryRun ? 'now answers shadowed writes as dry runs' : 'no longer takes shadowed writes'}`,
      );
    }
  }
  for (const name of active.upstreams.keys()) {
    if (!next.upstreams.has(name)) changes.push(`upstream ${name}: removed`);
  }
  return changes;
}
