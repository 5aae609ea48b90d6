import { fileURLToPath } from 'node:url';
import { runCompose, stackSubgraphs } from '@fig/federation';
import { mobileSubgraphSdl } from './home-screen.ts';

/** The stack's subgraphs plus the BFF's own `mobile` subgraph (served in-process). */
export const mobileSubgraphs = () => [
  ...stackSubgraphs(),
  { name: 'mobile', url: 'http://bff-mobile.local/graphql', sdl: mobileSubgraphSdl },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runCompose(
    'bff-mobile',
    fileURLToPath(new URL('../supergraph.graphql', import.meta.url)),
    mobileSubgraphs(),
  );
}
