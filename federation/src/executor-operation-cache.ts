import { createRequire } from 'node:module';
import type { Operation, Schema } from '@apollo/federation-internals';
import { type DocumentNode, Kind, type OperationDefinitionNode } from 'graphql';

type OperationFromDocument = (
  schema: Schema,
  document: DocumentNode,
  options?: { operationName?: string; validate?: boolean },
) => Operation;

// The module the package's index re-exports `operationFromDocument` from, through a getter that
// reads this property on every call: replacing it here is what @apollo/gateway's executor calls.
const operations = createRequire(import.meta.url)('@apollo/federation-internals/dist/operations.js') as {
  operationFromDocument: OperationFromDocument;
};
const original = operations.operationFromDocument;

// By API schema, then by the parsed operation: Apollo Server keeps one parsed document per query
// text, so a repeated query brings the same operation node, and entries go with the document.
const cache = new WeakMap<Schema, WeakMap<OperationDefinitionNode, Operation>>();

/**
 * @apollo/gateway's `executeQueryPlan` rebuilds the federation Operation of the request from its
 * document on every execution (to shape the response), although the plan it runs was built from
 * the same document and is cached. That rebuild was about a tenth of bff-web's CPU per request
 * on the demo graph's deep query. The executor's call (`validate: false`, the operation first,
 * then the fragments of the same parsed document) is answered from a cache here; every other
 * call is left alone. The Operation is only read during execution.
 */
function cachedOperationFromDocument(
  schema: Schema,
  document: DocumentNode,
  options?: { operationName?: string; validate?: boolean },
): Operation {
  const [operation] = document.definitions;
  if (
    options?.validate !== false ||
    options.operationName !== undefined ||
    operation?.kind !== Kind.OPERATION_DEFINITION
  )
    return original(schema, document, options);
  let bySchema = cache.get(schema);
  if (!bySchema) cache.set(schema, (bySchema = new WeakMap()));
  let cached = bySchema.get(operation);
  if (!cached) {
    cached = original(schema, document, options);
    bySchema.set(operation, cached);
  }
  return cached;
}

/** Installs the cache (idempotent). */
export function cacheExecutorOperations(): void {
  operations.operationFromDocument = cachedOperationFromDocument;
}

/** What the executor gets for a document: the same Operation for the same parsed operation. */
export const operationForExecution = (schema: Schema, document: DocumentNode): Operation =>
  operations.operationFromDocument(schema, document, { validate: false });
