import type { GraphQLFormattedError } from 'graphql';

// Codes that signal a failure nobody meant to show a client.
const internalCodes = new Set([undefined, 'INTERNAL_SERVER_ERROR', 'INTERNAL']);

/**
 * Keeps what a subgraph deliberately told the client (an error with its own code, like
 * NOT_FOUND or OUT_OF_STOCK) and hides everything else — stack traces, SQL, host names —
 * behind a generic message. Either way only `code` survives from `extensions`.
 */
export function maskSubgraphError(subgraph: string, error: GraphQLFormattedError): GraphQLFormattedError {
  const code = error.extensions?.code as string | undefined;
  const masked = internalCodes.has(code);
  return {
    message: masked ? `the ${subgraph} subgraph failed to resolve this field` : error.message,
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: masked ? 'SUBGRAPH_ERROR' : code },
  };
}
