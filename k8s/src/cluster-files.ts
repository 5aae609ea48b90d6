// Files the cluster needs that derive from files in the repo: the same content with every
// local address (127.0.0.1:<DESIGN.md port>) replaced by the Service of that deployable, so
// clusters and laptops follow one set of routing rules and one supergraph per BFF.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { stack } from '../../scripts/stack.ts';
import { paths } from './paths.ts';

const localHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The same URL addressed to the Service of the deployable listening on its port. */
export function clusterUrl(url: string): string {
  const parsed = new URL(url);
  const service = localHosts.has(parsed.hostname)
    ? stack.find((deployable) => String(deployable.port) === parsed.port)?.name
    : undefined;
  if (!service) throw new Error(`${url}: no deployable listens there`);
  parsed.hostname = service;
  return parsed.href.replace(/\/$/, '');
}

const header = (source: string, comment: string) =>
  `${comment} Generated from ${source} by \`npm run k8s:sync\`: edit that file, then sync.\n`;

export function clusterRoutes(source: string): string {
  const document = parseDocument(source);
  const upstreams = document.get('upstreams') as { items: { key: { value: string } }[] } | undefined;
  for (const { key } of upstreams?.items ?? []) {
    const path = ['upstreams', key.value, 'url'];
    document.setIn(path, clusterUrl(String(document.getIn(path))));
  }
  // The editor schema sits next to the source file, not next to the copy.
  const text = document
    .toString()
    .replace('$schema=./schema.json', '$schema=../../routing-rules/schema.json');
  return (
    header('routing-rules/routes.yaml', '#') +
    '# In a running cluster, editing the fig-routing ConfigMap shifts traffic live (docs/deploy.md).\n' +
    text
  );
}

/** A composed supergraph with each subgraph's `@join__graph(url:)` pointing at its Service. */
export function clusterSupergraph(sdl: string, source: string): string {
  const text = sdl.replace(
    /(@join__graph\([^)]*url:\s*")([^"]+)(")/g,
    (_match, before: string, url: string, after: string) => before + clusterUrl(url) + after,
  );
  return header(source, '#') + text;
}

export interface ClusterFile {
  source: string;
  target: string;
  generate(text: string): string;
}

/** Every generated cluster file whose source exists. */
export function clusterFiles(): ClusterFile[] {
  const files: ClusterFile[] = [
    { source: paths.routes, target: paths.clusterRoutes, generate: clusterRoutes },
  ];
  for (const bff of ['bff-web', 'bff-mobile']) {
    const source = join(paths.root, bff, 'supergraph.graphql');
    if (!existsSync(source)) continue;
    files.push({
      source,
      target: join(paths.root, 'k8s/base', `${bff}-supergraph.graphql`),
      generate: (text) => clusterSupergraph(text, `${bff}/supergraph.graphql`),
    });
  }
  return files;
}

/** Problems when a generated file no longer matches what its source generates. */
export function syncProblems(files = clusterFiles()): string[] {
  return files
    .filter(
      ({ source, target, generate }) =>
        !existsSync(target) || readFileSync(target, 'utf8') !== generate(readFileSync(source, 'utf8')),
    )
    .map(({ target }) => `${target} is stale: run npm run k8s:sync`);
}
