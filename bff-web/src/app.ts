import { fileURLToPath } from 'node:url';
import { type BffOptions, createBffApp } from '@fig/common/federation';

export const defaultSupergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

export type WebOptions = Partial<Omit<BffOptions, 'service' | 'localSubgraphs' | 'preHandler'>>;

/** The web client's graph: everything, with automatic persisted queries. */
export function buildApp(options: WebOptions = {}) {
  return createBffApp({
    supergraphPath: defaultSupergraphPath,
    rulesPath: fileURLToPath(new URL('../../routing-rules/routes.yaml', import.meta.url)),
    production: process.env.NODE_ENV === 'production',
    paths: ['/graphql', '/web/graphql'],
    automaticPersistedQueries: true,
    ...options,
    service: 'bff-web',
  });
}
