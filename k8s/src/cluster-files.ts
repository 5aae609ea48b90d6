// Files the cluster needs that derive from files in the repo: the same content with every
// local address (127.0.0.1:<its documented port>) replaced by the Service of that deployable, so
// clusters and laptops follow one set of routing rules.
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { stack } from '../../scripts/stack.ts';
import { paths } from './paths.ts';

const localHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The same URL addressed to the Service of the deployable listening on its port (public or internal). */
export function clusterUrl(url: string): string {
  const parsed = new URL(url);
  const service = localHosts.has(parsed.hostname)
    ? stack.find((d) => String(d.port) === parsed.port || String(d.internalPort) === parsed.port)?.name
    : undefined;
  if (!service) throw new Error(`${url}: no deployable listens there`);
  parsed.hostname = service;
  return parsed.href.replace(/\/$/, '');
}

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
    '# Generated from routing-rules/routes.yaml by `npm run k8s:sync`: edit that file, then sync.\n' +
    '# In a running cluster, editing the fig-routing ConfigMap shifts traffic live (docs/deploy.md).\n' +
    text
  );
}

export interface ClusterFile {
  source: string;
  target: string;
  generate(text: string): string;
}

/** Every generated cluster file. */
export function clusterFiles(): ClusterFile[] {
  return [{ source: paths.routes, target: paths.clusterRoutes, generate: clusterRoutes }];
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
