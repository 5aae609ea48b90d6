import { fileURLToPath } from 'node:url';
import { type ClientBffOptions, createRoutedBffApp } from '@fig/federation';
import { homeScreenSubgraph } from './home-screen.ts';
import { trustedDocuments } from './trusted-documents.ts';

export const defaultSupergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));
export const defaultDocumentsPath = fileURLToPath(new URL('../trusted-documents.json', import.meta.url));

export type MobileOptions = ClientBffOptions & {
  documentsPath?: string;
  /** Only registered operations run; defaults to `production`. */
  registeredOnly?: boolean;
};

/** The mobile client's graph: trusted documents and the BFF-local `homeScreen` aggregate. */
export function buildApp(options: MobileOptions = {}) {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  let documents: ReturnType<typeof trustedDocuments> | undefined;
  const app = createRoutedBffApp({
    supergraphPath: defaultSupergraphPath,
    paths: ['/graphql', '/mobile/graphql'],
    ...options,
    production,
    service: 'bff-mobile',
    automaticPersistedQueries: false,
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
