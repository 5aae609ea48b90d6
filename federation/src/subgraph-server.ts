import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

export interface SubgraphServerOptions<Context extends object> {
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<Context>;
  /** Built once per request: the place for that request's DataLoaders and caller identity. */
  context: (request: FastifyRequest) => Context | Promise<Context>;
  path?: string;
}

// Domain errors carry a catalogue code (OUT_OF_STOCK, CART_NOT_FOUND, ...): GraphQL clients
// get the same code in `extensions.code` that REST clients get in `error.code`, in the shape
// the monolith's subgraph uses, so either side of an @override answers alike.
function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error) as { code?: unknown; statusCode?: unknown; message?: string };
  if (typeof original?.code === 'string' && typeof original.statusCode === 'number') {
    return {
      message: original.message ?? formatted.message,
      path: formatted.path,
      extensions: { code: original.code },
    };
  }
  const code = (formatted.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR';
  return {
    ...formatted,
    message: code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : formatted.message,
    extensions: { code },
  };
}

/** Serves a federation 2 subgraph (Apollo Server) at `/graphql` on a Fig Fastify instance. */
export async function mountSubgraph<Context extends object>(
  app: FastifyInstance,
  options: SubgraphServerOptions<Context>,
): Promise<void> {
  const apollo = new ApolloServer<Context>({
    schema: buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]),
    formatError,
    // No fastifyApolloDrainPlugin: it closes Fastify from apollo.stop(), which runs inside
    // Fastify's own onClose, and the two would wait on each other until the drain timeout.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    // serve() owns SIGTERM/SIGINT (drain, then exit 0); Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  app.addHook('onClose', async () => apollo.stop());
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: options.path ?? '/graphql',
    schema: { hide: true },
    handler: fastifyApolloHandler(apollo, { context: async (request) => options.context(request) }),
  });
}
