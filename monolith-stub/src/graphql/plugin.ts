import { readFileSync } from 'node:fs';
import { callerOf, readerOf } from '@fig/domain';
import { mountSubgraph } from '@fig/federation/subgraph-server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { FastifyPluginAsync } from 'fastify';
import { parse } from 'graphql';
import { createLoaders } from './loaders.ts';
import { createResolvers, type GraphqlContext, type ResolverSources } from './resolvers.ts';

/** The SDL file is the contract the BFFs compose from; the server reads the very same file. */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** `/graphql`: the legacy subgraph. Domain refusals become errors with `extensions.code`. */
export const legacyGraphql: FastifyPluginAsync<ResolverSources> = async (app, sources) => {
  await mountSubgraph<GraphqlContext>(app, {
    typeDefs,
    resolvers: createResolvers(sources) as unknown as GraphQLResolverMap<GraphqlContext>,
    context: (request) => {
      // Identity is the verified token's alone (callerAuth); entities are filtered by it in the loaders.
      const callerId = callerOf(request);
      return { callerId, loaders: createLoaders(sources, callerId, readerOf(request)) };
    },
  });
};
