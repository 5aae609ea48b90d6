import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stack } from '../../scripts/stack.ts';
import { paths } from './paths.ts';

/**
 * The subgraphs a BFF's checked-in supergraph (`<dir>/supergraph.graphql`) fetches over the
 * network: those named after a deployable. Any other (the mobile BFF's own) runs in-process
 * and its URL is only a placeholder.
 */
export function remoteSubgraphs(dir: string): { name: string; url: string }[] {
  const file = join(paths.root, dir, 'supergraph.graphql');
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf8').matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)]
    .map(([, name, url]) => ({ name, url }))
    .filter(({ name }) => stack.some((d) => d.name === name));
}
