import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph, type SubgraphSource } from '@fig/federation/compose';

// No route moves anything: every override label stays with the monolith.
const noRoutes = 'version: 1\nupstreams:\n  monolith: { url: http://127.0.0.1:1 }\nroutes: []\n';

/** Composes `subgraphs` into `path`, written aside and renamed over as a deploy does; returns the SDL. */
export function writeSupergraph(path: string, subgraphs: SubgraphSource[]): string {
  const composed = composeSupergraph(subgraphs);
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  writeFileSync(`${path}.tmp`, composed.supergraphSdl);
  renameSync(`${path}.tmp`, path);
  return composed.supergraphSdl;
}

/** A routes.yaml without routes at `path`. */
export function writeNoRoutes(path: string): string {
  writeFileSync(path, noRoutes);
  return path;
}

/** What a BFF under test loads, in `dir`: the supergraph of `subgraphs` and a routes.yaml without routes. */
export function writeBffFiles(dir: string, subgraphs: SubgraphSource[]) {
  const supergraphPath = join(dir, 'supergraph.graphql');
  const supergraphSdl = writeSupergraph(supergraphPath, subgraphs);
  return { supergraphPath, supergraphSdl, rulesPath: writeNoRoutes(join(dir, 'routes.yaml')) };
}
