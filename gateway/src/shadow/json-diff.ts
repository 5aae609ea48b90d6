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

function child(path: string, key: string): string {
  if (identifier.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Compiles ignore patterns once: `body.meta` also ignores everything under it; `*` is one segment. */
export function ignoreMatcher(patterns: string[] = []): (field: string) => boolean {
  if (patterns.length === 0) return () => false;
  const expressions = patterns.map((pattern) => {
    const escaped = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^.\\[]+');
    return new RegExp(`^${escaped}(?:$|[.[])`);
  });
  return (field) => expressions.some((expression) => expression.test(field));
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
  const ignored = ignoreMatcher(options.ignore);
  const arrayKeys = options.arrayKeys ?? {};
  const differences: Difference[] = [];

  const report = (path: string, field: string, a: unknown, b: unknown) => {
    if (!ignored(field)) differences.push({ path, field, left: a, right: b });
  };

  const walk = (a: unknown, b: unknown, path: string, field: string): void => {
    if (ignored(field)) return;
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(a[key], b[key], child(path, key), child(field, key));
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const key = arrayKeys[field];
      const itemField = `${field}[*]`;
      if (key !== undefined) {
        const byKey = (items: Json[]) =>
          new Map(items.map((item, index) => [isObject(item) ? String(item[key]) : `#${index}`, item]));
        const left = byKey(a as Json[]);
        const right = byKey(b as Json[]);
        for (const id of new Set([...left.keys(), ...right.keys()])) {
          walk(left.get(id), right.get(id), `${path}[${key}=${id}]`, itemField);
        }
        return;
      }
      for (let index = 0; index < Math.max(a.length, b.length); index++) {
        walk(a[index], b[index], `${path}[${index}]`, itemField);
      }
      return;
    }
    if (!Object.is(a, b)) report(path, field, a, b);
  };

  walk(left, right, root, root);
  return differences;
}
