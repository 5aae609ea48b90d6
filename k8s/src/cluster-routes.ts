// The cluster's routes.yaml is routing-rules/routes.yaml with each upstream addressed by its
// Service name instead of 127.0.0.1, so both clusters and laptops follow one set of rules.
import { parseDocument } from 'yaml';
import { stack } from '../../scripts/stack.ts';

const localHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const clusterRoutesHeader =
  '# Generated from routing-rules/routes.yaml by `npm run k8s:sync`: edit that file, then sync.\n' +
  '# In a running cluster, editing the fig-routing ConfigMap shifts traffic live (docs/deploy.md).\n';

/** Service name for a local upstream URL, by the DESIGN.md port it uses. */
export function serviceForLocalUrl(url: string): string | undefined {
  const parsed = new URL(url);
  if (!localHosts.has(parsed.hostname)) return undefined;
  return stack.find((deployable) => String(deployable.port) === parsed.port)?.name;
}

export function clusterRoutes(source: string): string {
  const document = parseDocument(source);
  const upstreams = document.get('upstreams') as { items: { key: { value: string } }[] } | undefined;
  for (const { key } of upstreams?.items ?? []) {
    const path = ['upstreams', key.value, 'url'];
    const url = String(document.getIn(path));
    const service = serviceForLocalUrl(url);
    if (!service) throw new Error(`upstream ${key.value}: no deployable listens on ${url}`);
    const parsed = new URL(url);
    parsed.hostname = service;
    document.setIn(path, parsed.origin + parsed.pathname.replace(/\/$/, ''));
  }
  // The editor schema sits next to the source file, not next to the copy.
  const text = document
    .toString()
    .replace('$schema=./schema.json', '$schema=../../routing-rules/schema.json');
  return clusterRoutesHeader + text;
}
