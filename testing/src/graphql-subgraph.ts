import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { graphql, parse } from 'graphql';

export interface SubgraphCall {
  query: string;
  variables: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface RunningSubgraph {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
  /** Every GraphQL request it answered, oldest first; clear with `calls.length = 0`. */
  readonly calls: SubgraphCall[];
  /** Stops it; its port is then closed, which is what "subgraph down" means in tests. */
  close(): Promise<void>;
}

/**
 * A real federated subgraph on a real socket (port 0), for BFF tests that need one with a
 * particular shape. It records each request so tests can count fetches and see headers.
 */
export async function startSubgraph(
  name: string,
  sdl: string,
  resolvers: GraphQLResolverMap<unknown>,
): Promise<RunningSubgraph> {
  const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers }]);
  const calls: SubgraphCall[] = [];
  const server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const body = JSON.parse(text || '{}');
    calls.push({ query: body.query, variables: body.variables ?? {}, headers: request.headers });
    const result = await graphql({
      schema,
      source: body.query,
      variableValues: body.variables,
      operationName: body.operationName,
      contextValue: { headers: request.headers },
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    sdl,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
