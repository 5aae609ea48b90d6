import { fileURLToPath } from 'node:url';
import { type BffOptions, createBffApp } from '@fig/common/federation';
import { watchOverrideLabels } from '@fig/routing-rules';
import { homeScreenSubgraph } from './home-screen.ts';
import { trustedDocuments } from './trusted-documents.ts';

export const defaultSupergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));
export const defaultDocumentsPath = fileURLToPath(new URL('../trusted-documents.json', import.meta.url));

export const defaultRulesPath = fileURLToPath(new URL('../../routing-rules/routes.yaml', import.meta.url));

export type MobileOptions = Partial<
  Omit<BffOptions, 'service' | 'localSubgraphs' | 'preHandler' | 'overrides'>
> & {
  /** routes.yaml: override labels follow its routes, as the gateway's REST routing does. */
  rulesPath?: string;
  documentsPath?: string;
  /** Only registered operations run; defaults to `production`. */
  registeredOnly?: boolean;
};

/** The mobile client's graph: trusted documents and the BFF-local `homeScreen` aggregate. */
export function buildApp({ rulesPath = defaultRulesPath, ...options }: MobileOptions = {}) {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  let documents: ReturnType<typeof trustedDocuments> | undefined;
  const app = createBffApp({
    supergraphPath: defaultSupergraphPath,
    paths: ['/graphql', '/mobile/graphql'],
    ...options,
    production,
    service: 'bff-mobile',
    automaticPersistedQueries: false,
    overrides: (events) => watchOverrideLabels(rulesPath, events),
    localSubgraphs: (execute) => ({ mobile: homeScreenSubgraph(execute) }),
    preHandler: (request, reply) => documents!.preHandler(request, reply),
  });
  documents = trustedDocuments(options.documentsPath ?? defaultDocumentsPath, {
    registeredOnly: options.registeredOnly ?? production,
    log: app.log,
  });
  app.addHook('onClose', async () => documents!.close());
  return app;
}
