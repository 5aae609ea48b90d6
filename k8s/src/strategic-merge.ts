// The part of Kubernetes' strategic merge patch that Fig's overlays use: maps merge
// recursively, `null` deletes a field, and lists of named things (containers, env, volumes,
// ports) merge item by item on their merge key; any other list is replaced whole.
// An item `{ name: x, $patch: delete }` removes the item named x.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const mergeKeys: Record<string, string> = { volumeMounts: 'mountPath' };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const key = mergeKeys[field] ?? 'name';
  return items.length > 0 && items.every((item) => isObject(item) && typeof item[key] === 'string')
    ? key
    : undefined;
}

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  const key = mergeKeyFor(field, patch);
  if (!key || !target.every((item) => isObject(item) && key in item)) return patch;
  const result = [...target] as JsonObject[];
  for (const item of patch as JsonObject[]) {
    const index = result.findIndex((existing) => existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], item);
    } else {
      result.push(item);
    }
  }
  return result;
}

export function strategicMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [field, value] of Object.entries(patch)) {
    // Other directives ($patch: replace, $retainKeys, ...) would otherwise land in the object.
    if (field.startsWith('$')) throw new Error(`strategic merge directive ${field} is not supported`);
    if (value === null) delete result[field];
    else if (isObject(value) && isObject(result[field])) result[field] = strategicMerge(result[field], value);
    else if (Array.isArray(value) && Array.isArray(result[field]))
      result[field] = mergeList(field, result[field], value);
    else result[field] = structuredClone(value);
  }
  return result;
}
