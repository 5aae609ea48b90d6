import { fileURLToPath } from 'node:url';
import { runCompose, stackSubgraphs } from '@fig/federation';

/** The web graph is the whole stack: the monolith and every service. */
export const webSubgraphs = stackSubgraphs;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runCompose('bff-web', fileURLToPath(new URL('../supergraph.graphql', import.meta.url)), webSubgraphs());
}
