import { createHash } from 'node:crypto';

// Kustomize's content hash for generated ConfigMaps and Secrets (api/hasher): sha256 of the
// JSON of kind, name, type and data with sorted keys, first ten hex digits, with the
// characters that could spell words swapped out. A changed value gives a new name, so the
// pods that use it roll.
const swaps: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${sortedJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function generatedNameSuffix(object: {
  kind: string;
  type?: string;
  metadata: { name: string };
  data?: Record<string, string>;
}): string {
  const fields: Record<string, unknown> = {
    kind: object.kind,
    name: object.metadata.name,
    data: object.data ?? {},
  };
  if (object.kind === 'Secret') fields.type = object.type ?? 'Opaque';
  const hex = createHash('sha256').update(sortedJson(fields)).digest('hex');
  return [...hex.slice(0, 10)].map((c) => swaps[c] ?? c).join('');
}
