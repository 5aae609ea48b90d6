import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

export type ComposeResult =
  { ok: true; supergraphSdl: string; hints: string[] } | { ok: false; errors: string[] };

/** Composes subgraph SDLs into a supergraph, reporting every composition error at once. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): ComposeResult {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  if (result.errors) return { ok: false, errors: result.errors.map((error) => error.message) };
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    hints: result.hints.map((hint) => hint.toString()),
  };
}
