// Renders a kustomization the way `kubectl kustomize` does, for the subset Fig's manifests
// use: resources (files and directories), namespace, labels, images, strategic-merge
// patches, configMapGenerator and secretGenerator. A field outside that subset is an error,
// so the check never passes a manifest it did not really render.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { type Manifest, podTemplateOf, referencesOf } from './manifest.ts';
import { generatedNameSuffix } from './name-hash.ts';
import { type JsonObject, strategicMerge } from './strategic-merge.ts';

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

interface GeneratorOptions {
  disableNameSuffixHash?: boolean;
}

interface Generator {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  literals?: string[];
  files?: string[];
  envs?: string[];
  type?: string;
  options?: GeneratorOptions;
}

interface Patch {
  path?: string;
  patch?: string;
  target?: { kind?: string; name?: string; labelSelector?: string };
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: Patch[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  generatorOptions?: GeneratorOptions;
}

const supportedFields = [
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'labels',
  'images',
  'patches',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
];

const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);

export interface RenderOptions {
  /**
   * Where a secret's env file is missing (it is never committed), read `<file>.example`
   * instead, so a check can render an overlay whose secrets live only on the deploy machine.
   */
  secretExamples?: boolean;
}

export interface Rendered {
  manifests: Manifest[];
  /** Things worth telling whoever runs the check, such as example secrets used. */
  notes: string[];
}

interface Built {
  manifests: Manifest[];
  /** Generated ConfigMaps and Secrets, and whether their names get a content hash. */
  generated: Map<Manifest, boolean>;
}

/**
 * A file a kustomization reads, which like kustomize's default load restrictor must lie
 * inside the kustomization's own directory (bases elsewhere are fine, loose files are not).
 */
function within(dir: string, file: string): string {
  const path = resolve(dir, file);
  if (relative(dir, path).startsWith('..') || isAbsolute(relative(dir, path))) {
    throw new KustomizeError(`${file} is outside ${dir}; kustomize only loads files under the kustomization`);
  }
  return path;
}

function readYaml(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new KustomizeError(`${path}: ${(error as Error).message}`);
  }
}

function readManifests(path: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (document.errors.length > 0) throw new KustomizeError(`${path}: ${document.errors[0].message}`);
    const value = document.toJS() as Manifest | null;
    if (value === null) continue;
    if (!value.apiVersion || !value.kind || !value.metadata?.name) {
      throw new KustomizeError(`${path}: every object needs apiVersion, kind and metadata.name`);
    }
    manifests.push(value);
  }
  return manifests;
}

function parseEnvFile(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => splitPair(line));
}

function splitPair(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new KustomizeError(`"${text}" is not KEY=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function generatorData(dir: string, generator: Generator, options: RenderOptions, notes: string[]) {
  const data: Record<string, string> = {};
  for (const literal of generator.literals ?? []) {
    const [key, value] = splitPair(literal);
    data[key] = value;
  }
  for (const entry of generator.files ?? []) {
    const [key, file] = entry.includes('=') ? splitPair(entry) : [basename(entry), entry];
    data[key] = readFileSync(within(dir, file), 'utf8');
  }
  for (const file of generator.envs ?? []) {
    let path = within(dir, file);
    if (!existsSync(path) && options.secretExamples && existsSync(`${path}.example`)) {
      notes.push(`${generator.name}: ${path} is missing, rendered with ${file}.example`);
      path = `${path}.example`;
    }
    if (!existsSync(path)) throw new KustomizeError(`${generator.name}: env file ${path} does not exist`);
    for (const [key, value] of parseEnvFile(readFileSync(path, 'utf8'))) data[key] = value;
  }
  return data;
}

function generate(
  dir: string,
  kustomization: Kustomization,
  built: Built,
  options: RenderOptions,
  notes: string[],
) {
  const kinds = [
    ['ConfigMap', kustomization.configMapGenerator ?? []],
    ['Secret', kustomization.secretGenerator ?? []],
  ] as const;
  for (const [kind, generators] of kinds) {
    for (const generator of generators) {
      const text = generatorData(dir, generator, options, notes);
      const data =
        kind === 'Secret'
          ? Object.fromEntries(Object.entries(text).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
          : text;
      const hash = !(
        generator.options?.disableNameSuffixHash ?? kustomization.generatorOptions?.disableNameSuffixHash
      );
      const existing = [...built.generated.keys()].find(
        (m) => m.kind === kind && m.metadata.name === generator.name,
      );
      const behavior = generator.behavior ?? 'create';
      if (behavior === 'create') {
        if (existing) throw new KustomizeError(`${kind} ${generator.name} is generated twice`);
        const manifest: Manifest = { apiVersion: 'v1', kind, metadata: { name: generator.name }, data };
        if (kind === 'Secret') manifest.type = generator.type ?? 'Opaque';
        built.manifests.push(manifest);
        built.generated.set(manifest, hash);
      } else {
        if (!existing) throw new KustomizeError(`${kind} ${generator.name}: nothing to ${behavior}`);
        existing.data = behavior === 'merge' ? { ...(existing.data as object), ...data } : data;
        built.generated.set(existing, hash);
      }
    }
  }
}

function matchesLabels(manifest: Manifest, selector: string): boolean {
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=').map((part) => part.trim());
    return manifest.metadata.labels?.[key] === value;
  });
}

function applyPatches(dir: string, patches: Patch[], manifests: Manifest[]) {
  for (const entry of patches) {
    const source = entry.path ? readFileSync(within(dir, entry.path), 'utf8') : entry.patch;
    if (!source) throw new KustomizeError('a patch needs `path` or `patch`');
    const patch = parseYaml(source) as Manifest;
    if (Array.isArray(patch))
      throw new KustomizeError('JSON 6902 patches are not supported; use a strategic merge');
    const target = entry.target ?? { kind: patch.kind, name: patch.metadata?.name };
    const matched = manifests.filter(
      (m) =>
        (!target.kind || m.kind === target.kind) &&
        (!target.name || m.metadata.name === target.name) &&
        (!target.labelSelector || matchesLabels(m, target.labelSelector)),
    );
    if (matched.length === 0) {
      throw new KustomizeError(`patch ${entry.path ?? ''} matches nothing (${JSON.stringify(target)})`);
    }
    const { apiVersion: _apiVersion, kind: _kind, metadata, ...body } = patch;
    const { name: _name, ...metadataPatch } = metadata ?? {};
    for (const manifest of matched) {
      let merged: JsonObject;
      try {
        merged = strategicMerge(manifest as unknown as JsonObject, {
          ...(body as JsonObject),
          metadata: metadataPatch as JsonObject,
        });
      } catch (error) {
        throw new KustomizeError(`patch ${entry.path ?? ''}: ${(error as Error).message}`);
      }
      for (const field of Object.keys(manifest)) if (!(field in merged)) delete manifest[field];
      Object.assign(manifest, merged);
    }
  }
}

function setImages(images: NonNullable<Kustomization['images']>, manifests: Manifest[]) {
  for (const manifest of manifests) {
    const spec = podTemplateOf(manifest)?.spec;
    for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      const image = container.image ?? '';
      const name = image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
      const rule = images.find((candidate) => candidate.name === name);
      if (!rule) continue;
      const tag = rule.digest
        ? `@${rule.digest}`
        : rule.newTag
          ? `:${rule.newTag}`
          : image.slice(name.length);
      container.image = `${rule.newName ?? name}${tag}`;
    }
  }
}

/** Fails on any field outside `allowed`, so a misspelt one is never silently ignored. */
function onlyFields(value: object | undefined, allowed: string[], where: string) {
  const unsupported = Object.keys(value ?? {}).filter((field) => !allowed.includes(field));
  if (unsupported.length > 0)
    throw new KustomizeError(`${where}: unsupported fields ${unsupported.join(', ')}`);
}

function checkFields(kustomization: Kustomization, file: string) {
  onlyFields(kustomization, supportedFields, file);
  onlyFields(kustomization.generatorOptions, ['disableNameSuffixHash'], `${file} generatorOptions`);
  for (const generator of [
    ...(kustomization.configMapGenerator ?? []),
    ...(kustomization.secretGenerator ?? []),
  ]) {
    const where = `${file} generator ${generator.name}`;
    onlyFields(generator, ['name', 'behavior', 'literals', 'files', 'envs', 'type', 'options'], where);
    onlyFields(generator.options, ['disableNameSuffixHash'], where);
  }
  for (const patch of kustomization.patches ?? []) {
    onlyFields(patch, ['path', 'patch', 'target'], `${file} patch`);
    onlyFields(patch.target, ['kind', 'name', 'labelSelector'], `${file} patch target`);
  }
  for (const image of kustomization.images ?? []) {
    onlyFields(image, ['name', 'newName', 'newTag', 'digest'], `${file} image ${image.name}`);
  }
  for (const label of kustomization.labels ?? []) {
    onlyFields(label, ['pairs', 'includeSelectors', 'includeTemplates'], `${file} labels`);
  }
}

function build(dir: string, options: RenderOptions, notes: string[]): Built {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new KustomizeError(`${dir} has no kustomization.yaml`);
  const kustomization = (readYaml(file) ?? {}) as Kustomization;
  checkFields(kustomization, file);

  const built: Built = { manifests: [], generated: new Map() };
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    if (!existsSync(path)) throw new KustomizeError(`${file}: resource ${resource} does not exist`);
    if (statSync(path).isDirectory()) {
      const inner = build(path, options, notes);
      built.manifests.push(...inner.manifests);
      for (const [manifest, hash] of inner.generated) built.generated.set(manifest, hash);
    } else {
      built.manifests.push(...readManifests(within(dir, resource)));
    }
  }
  generate(dir, kustomization, built, options, notes);
  applyPatches(dir, kustomization.patches ?? [], built.manifests);
  if (kustomization.namespace) {
    for (const manifest of built.manifests) {
      if (!clusterScopedKinds.has(manifest.kind)) manifest.metadata.namespace = kustomization.namespace;
    }
  }
  for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
    if (includeSelectors) throw new KustomizeError(`${file}: labels with includeSelectors are not supported`);
    for (const manifest of built.manifests) {
      manifest.metadata.labels = { ...manifest.metadata.labels, ...pairs };
      const template = includeTemplates ? podTemplateOf(manifest) : undefined;
      if (template)
        template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...pairs } };
    }
  }
  setImages(kustomization.images ?? [], built.manifests);
  return built;
}

/** Renders the kustomization in `dir`, with generated names hashed and references updated. */
export function render(dir: string, options: RenderOptions = {}): Rendered {
  const notes: string[] = [];
  const { manifests, generated } = build(resolve(dir), options, notes);
  // Like kustomize, names are hashed last, once every overlay has merged its data in.
  const renamed = new Map<string, string>();
  for (const [manifest, hash] of generated) {
    if (!hash) continue;
    const name = `${manifest.metadata.name}-${generatedNameSuffix(manifest as never)}`;
    renamed.set(`${manifest.kind}/${manifest.metadata.name}`, name);
    manifest.metadata.name = name;
  }
  for (const manifest of manifests) {
    const spec = podTemplateOf(manifest)?.spec;
    for (const reference of spec ? referencesOf(spec) : []) {
      const name = renamed.get(`${reference.kind}/${reference.name}`);
      if (name) reference.rename(name);
    }
  }
  return { manifests, notes };
}
