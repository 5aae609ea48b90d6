import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fastifyApollo from '@as-integrations/fastify';
import { callerOf, isClientError } from '@fig/common/domain/index';
import type { FastifyPluginAsync } from 'fastify';
import { parse } from 'graphql';
import { createLoaders } from './loaders.ts';
import { createResolvers, type GraphqlContext, type ResolverSources } from './resolvers.ts';

/** The SDL file is the contract the BFFs compose from; the server reads the very same file. */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** `/graphql`: the legacy subgraph. Domain refusals become errors with `extensions.code`. */
export const legacyGraphql: FastifyPluginAsync<ResolverSources> = async (app, sources) => {
  const apollo = new ApolloServer<GraphqlContext>({
    schema: buildSubgraphSchema({ typeDefs, resolvers: createResolvers(sources) as never }),
    // Draining is serve()'s job (Apollo's drain plugin would close Fastify from inside its own close).
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    formatError: (formatted, error) => {
      const original = (error as { originalError?: unknown }).originalError;
      if (isClientError(original)) {
        return { message: original.message, path: formatted.path, extensions: { code: original.code } };
      }
      return formatted;
    },
  });
  await apollo.start();
  app.addHook('onClose', async () => apollo.stop());
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request) => {
      const callerId = callerOf(request);
      return { callerId, loaders: createLoaders(sources, callerId) };
    },
  });
};
