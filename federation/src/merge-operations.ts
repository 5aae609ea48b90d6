import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLFormattedError,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type VariableDefinitionNode,
  visit,
} from 'graphql';

export interface SubgraphOperation {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

export interface MergedOperation {
  query: string;
  variables: Record<string, unknown>;
  /** One response per merged operation, in order. */
  split(response: GatewayGraphQLResponse): GatewayGraphQLResponse[];
}

const prefixOf = (index: number) => `_${index}_`;

function single(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return undefined;
  const [operation] = operations as OperationDefinitionNode[];
  // Only queries whose root selections are fields can share a request: mutations run in order.
  if (operation.operation !== 'query') return undefined;
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD) ? operation : undefined;
}

/** Renames one operation's variables, root response keys and fragments apart from the others'. */
function prefixed(document: DocumentNode, prefix: string) {
  const renamed = visit(document, {
    Variable: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    FragmentSpread: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    FragmentDefinition: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
  });
  const fragments: DefinitionNode[] = [];
  let variables: readonly VariableDefinitionNode[] = [];
  let fields: FieldNode[] = [];
  for (const definition of renamed.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) {
      fragments.push(definition);
      continue;
    }
    variables = definition.variableDefinitions ?? [];
    fields = (definition.selectionSet.selections as FieldNode[]).map((field) => ({
      ...field,
      alias: { kind: Kind.NAME, value: prefix + (field.alias ?? field.name).value },
    }));
  }
  return { fragments, variables, fields };
}

const texts = new Map<string, string | null>();
const maxTexts = 1000;

/** The merged query text for these operations (cached: plans, and so batches, repeat), or null. */
function mergedText(queries: readonly string[]): string | null {
  const key = queries.join('\u0000');
  const cached = texts.get(key);
  if (cached !== undefined) return cached;
  const parts = [];
  for (const [index, query] of queries.entries()) {
    const document = parse(query);
    if (!single(document)) {
      texts.set(key, null);
      return null;
    }
    parts.push(prefixed(document, prefixOf(index)));
  }
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: 'Batch' },
    variableDefinitions: parts.flatMap((part) => part.variables),
    selectionSet: { kind: Kind.SELECTION_SET, selections: parts.flatMap((part) => part.fields) },
  };
  const text = print({
    kind: Kind.DOCUMENT,
    definitions: [operation, ...parts.flatMap((part) => part.fragments)],
  });
  if (texts.size >= maxTexts) texts.delete(texts.keys().next().value!);
  texts.set(key, text);
  return text;
}

/**
 * Several queries for one subgraph as one request: each keeps its own namespace (prefixed
 * variables, root aliases, fragment names) and the answer is split back apart. This is what
 * lets independent plan branches that reach the same subgraph at the same moment share a fetch.
 */
export function mergeOperations(operations: readonly SubgraphOperation[]): MergedOperation | null {
  const query = mergedText(operations.map((operation) => operation.query));
  if (!query) return null;
  const variables: Record<string, unknown> = {};
  operations.forEach((operation, index) => {
    for (const [name, value] of Object.entries(operation.variables))
      variables[prefixOf(index) + name] = value;
  });
  return {
    query,
    variables,
    split(response) {
      return operations.map((_, index) => {
        const prefix = prefixOf(index);
        let data: Record<string, unknown> | null | undefined = response.data;
        if (data) {
          const own: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(data))
            if (key.startsWith(prefix)) own[key.slice(prefix.length)] = value;
          data = own;
        }
        const errors: GraphQLFormattedError[] = [];
        for (const error of response.errors ?? []) {
          const [head, ...rest] = error.path ?? [];
          if (typeof head !== 'string' || !head.startsWith('_')) errors.push(error);
          else if (head.startsWith(prefix))
            errors.push({ ...error, path: [head.slice(prefix.length), ...rest] });
        }
        return errors.length ? { data, errors } : { data };
      });
    },
  };
}
