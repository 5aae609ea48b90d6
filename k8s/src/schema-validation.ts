// Validates objects against the Kubernetes OpenAPI schemas, through kubernetes-models'
// generated model classes (one per apiVersion and kind), and finds fields the schemas do
// not know, which the API server's strict field validation (kubectl's default) rejects.
import type { Manifest } from './manifest.ts';

interface ModelClass {
  new (data: unknown): object;
  prototype: { validate(this: object): void };
}

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  // Core objects live under kubernetes-models/v1, the rest under <group>/<version>.
  const path = apiVersion.includes('/') ? apiVersion : 'v1';
  if (!/^[a-z0-9.]+\/?[a-z0-9]*$/.test(path) || !/^[A-Za-z]+$/.test(kind)) return undefined;
  try {
    const module = (await import(`kubernetes-models/${path}/${kind}`)) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

/**
 * Wraps `root` so that every property the validator reads is recorded. The generated
 * validators read exactly the properties their schema declares (and enumerate free-form
 * maps such as labels), so a key never read is one the schema does not have.
 */
function trackReads(root: object) {
  const reads = new Map<object, { path: string; keys: Set<string> }>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = proxies.get(value);
    if (known) return known;
    const keys = new Set<string>();
    reads.set(value, { path, keys });
    const proxy = new Proxy(value, {
      get(target, key) {
        const field = Reflect.get(target, key);
        if (typeof key !== 'string') return field;
        keys.add(key);
        return wrap(field, `${path}/${key}`);
      },
      ownKeys(target) {
        for (const key of Reflect.ownKeys(target)) if (typeof key === 'string') keys.add(key);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const unread = () =>
    [...reads]
      .filter(([value]) => !Array.isArray(value))
      .flatMap(([value, { path, keys }]) =>
        Object.keys(value)
          .filter((key) => !keys.has(key))
          .map((key) => `${path}/${key}`),
      );
  return { proxy: wrap(root, '') as object, unread };
}

/** Problems with `manifest` per its schema; empty when it is valid. */
export async function schemaProblems(manifest: Manifest): Promise<string[]> {
  const Model = await modelFor(manifest.apiVersion, manifest.kind);
  if (!Model) return [`no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`];
  const { proxy, unread } = trackReads(new Model(manifest));
  try {
    Model.prototype.validate.call(proxy);
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) return [(error as Error).message];
    // A bad value in a oneOf (quantities, int-or-string) also reports every branch; one line is enough.
    const lines = errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
    return [...new Set(lines.filter((line) => !line.includes('must match exactly one schema')))];
  }
  return unread().map((path) => `${path} is not a field of ${manifest.kind}`);
}
