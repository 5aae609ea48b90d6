import { fileURLToPath } from 'node:url';
import { type ClientBffOptions, createRoutedBffApp } from '@fig/federation';

export const defaultSupergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

export type WebOptions = ClientBffOptions;

/** The web client's graph: everything, with automatic persisted queries. */
export function buildApp(options: WebOptions = {}) {
  return createRoutedBffApp({
    supergraphPath: defaultSupergraphPath,
    production: process.env.NODE_ENV === 'production',
    paths: ['/graphql', '/web/graphql'],
    automaticPersistedQueries: true,
    ...options,
    service: 'bff-web',
  });
}
