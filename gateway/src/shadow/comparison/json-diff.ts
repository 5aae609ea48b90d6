/** One field that differs between the two answers, with both values (undefined = absent). */
export interface Difference {
  /** Exact location, e.g. `body.items[sku=A-1].price_cents` or `body.items[2]`. */
  path: string;
  /** The same location with item positions and keys generalised (`body.items[*].price_cents`),
   * so differences in many items count as one field. */
  field: string;
  left: unknown;
  right: unknown;
}

export interface DiffOptions {
  /** Arrays matched item by item on a key instead of by position: generalised field path -> key. */
  arrayKeys?: Record<string, string>;
  /** Generalised field paths (or prefixes of them, `*` matching one segment) never reported. */
  ignore?: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const identifier = /^[A-Za-z_$][\w$-]*$/;

/** A location in the walk; its strings are only built for what is reported or looked up. */
interface Location {
  up?: Location;
  /** This step of the exact path: `.key`, `["odd key"]`, `[3]`, `[sku=A-1]`, or the root. */
  exact: string;
  /** This step of the generalised field: `.key`, `["odd key"]`, `[*]`, or the root. */
  general: string;
  field?: string;
}

function at(up: Location, key: string): Location {
  const step = identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return { up, exact: step, general: step };
}

function pathOf(location: Location): string {
  let path = '';
  for (let l: Location | undefined = location; l; l = l.up) path = l.exact + path;
  return path;
}

function fieldOf(location: Location): string {
  if (location.field === undefined)
    location.field = (location.up ? fieldOf(location.up) : '') + location.general;
  return location.field;
}

/** Compiles ignore patterns once: `body.meta` also ignores everything under it; `*` is one segment. */
const matchers = new WeakMap<string[], (field: string) => boolean>();
const ignoreNothing = () => false;

export function ignoreMatcher(patterns: string[] = []): (field: string) => boolean {
  if (patterns.length === 0) return ignoreNothing;
  // A route's options live as long as its rules: compile its patterns once, not per comparison.
  const known = matchers.get(patterns);
  if (known) return known;
  const expressions = patterns.map((pattern) => {
    const escaped = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^.\\[]+');
    return new RegExp(`^${escaped}(?:$|[.[])`);
  });
  const matcher = (field: string) => expressions.some((expression) => expression.test(field));
  matchers.set(patterns, matcher);
  return matcher;
}

/**
 * Structural difference of two JSON values, field by field. Object key order never matters;
 * array order matters unless the array is keyed, in which case items are paired by key and
 * an item present on one side only is reported whole.
 */
export function diffJson(
  left: unknown,
  right: unknown,
  options: DiffOptions = {},
  root = 'body',
): Difference[] {
  const ignore = options.ignore ?? [];
  const ignored = ignoreMatcher(ignore);
  const arrayKeys = options.arrayKeys ?? {};
  const keyed = Object.keys(arrayKeys).length > 0;
  const differences: Difference[] = [];

  const walk = (a: unknown, b: unknown, location: Location): void => {
    if (ignore.length > 0 && ignored(fieldOf(location))) return;
    if (isObject(a) && isObject(b)) {
      // Own properties only: a `__proto__` key in one body must not reach Object.prototype in the other.
      for (const key in a) walk(a[key], Object.hasOwn(b, key) ? b[key] : undefined, at(location, key));
      for (const key in b) if (!Object.hasOwn(a, key)) walk(undefined, b[key], at(location, key));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const key = keyed ? arrayKeys[fieldOf(location)] : undefined;
      if (key !== undefined) {
        const byKey = (items: Json[]) =>
          new Map(items.map((item, index) => [isObject(item) ? String(item[key]) : `#${index}`, item]));
        const left = byKey(a as Json[]);
        const right = byKey(b as Json[]);
        for (const id of new Set([...left.keys(), ...right.keys()])) {
          walk(left.get(id), right.get(id), { up: location, exact: `[${key}=${id}]`, general: '[*]' });
        }
        return;
      }
      for (let index = 0; index < Math.max(a.length, b.length); index++) {
        walk(a[index], b[index], { up: location, exact: `[${index}]`, general: '[*]' });
      }
      return;
    }
    if (!Object.is(a, b)) {
      differences.push({ path: pathOf(location), field: fieldOf(location), left: a, right: b });
    }
  };

  walk(left, right, { exact: root, general: root });
  return differences;
}
