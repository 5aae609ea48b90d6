import { fileURLToPath } from 'node:url';
import { type BffOptions, createBffApp } from '@fig/common/federation';
import { watchOverrideLabels } from '@fig/routing-rules';

export const defaultSupergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));
export const defaultRulesPath = fileURLToPath(new URL('../../routing-rules/routes.yaml', import.meta.url));

export type WebOptions = Partial<
  Omit<BffOptions, 'service' | 'localSubgraphs' | 'preHandler' | 'overrides'>
> & {
  /** routes.yaml: override labels follow its routes, as the gateway's REST routing does. */
  rulesPath?: string;
};

/** The web client's graph: everything, with automatic persisted queries. */
export function buildApp({ rulesPath = defaultRulesPath, ...options }: WebOptions = {}) {
  return createBffApp({
    supergraphPath: defaultSupergraphPath,
    production: process.env.NODE_ENV === 'production',
    paths: ['/graphql', '/web/graphql'],
    automaticPersistedQueries: true,
    ...options,
    overrides: (events) => watchOverrideLabels(rulesPath, events),
    service: 'bff-web',
  });
}
