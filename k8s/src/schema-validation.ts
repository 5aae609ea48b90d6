// Validates objects against the Kubernetes OpenAPI schemas, through kubernetes-models'
// generated model classes (one per apiVersion and kind).
import type { Manifest } from './manifest.ts';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  // Core objects live under kubernetes-models/v1, the rest under <group>/<version>.
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  if (!/^[a-z0-9.]+\/?[a-z0-9]*$/.test(path) || !/^[A-Za-z]+$/.test(kind)) return undefined;
  try {
    const module = (await import(`kubernetes-models/${path}/${kind}`)) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

/** Problems with `manifest` per its schema; empty when it is valid. */
export async function schemaProblems(manifest: Manifest): Promise<string[]> {
  const Model = await modelFor(manifest.apiVersion, manifest.kind);
  if (!Model) return [`no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`];
  try {
    new Model(manifest).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) return [(error as Error).message];
    // A bad value in a oneOf (quantities, int-or-string) also reports every branch; one line is enough.
    const lines = errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
    return [...new Set(lines.filter((line) => !line.includes('must match exactly one schema')))];
  }
}
