import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface OperationLimits {
  /** Nesting of fields, fragments followed. */
  maxDepth: number;
  /** Aliased fields in the whole document: aliases multiply work without adding depth. */
  maxAliases: number;
  /** Top-level fields of one operation. */
  maxRootFields: number;
  /** Fields selected in one operation, fragments expanded: a cost bound independent of shape. */
  maxFields: number;
  /** Lexer tokens in the document; enforced by the parser before anything else runs. */
  maxTokens: number;
}

export const defaultOperationLimits: OperationLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxFields: 1000,
  maxTokens: 5000,
};

function limitError(message: string) {
  return new GraphQLError(message, { extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } });
}

/** Depth and field count of a selection set, expanding fragments (each once per path, cycles cut). */
function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): { depth: number; fields: number } {
  let depth = 0;
  let fields = 0;
  for (const selection of selectionSet.selections) {
    let inner: { depth: number; fields: number } | undefined;
    if (selection.kind === Kind.FIELD) {
      const child = selection.selectionSet
        ? measure(selection.selectionSet, fragments, visiting)
        : { depth: 0, fields: 0 };
      inner = { depth: child.depth + 1, fields: child.fields + 1 };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragments, visiting);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      inner = measure(fragment.selectionSet, fragments, visiting);
      visiting.delete(name);
    }
    depth = Math.max(depth, inner.depth);
    fields += inner.fields;
  }
  return { depth, fields };
}

/** Validation rules that refuse abusive operations before any subgraph is asked anything. */
export function operationLimitRules(limits: OperationLimits) {
  const rule = (context: ValidationContext): ASTVisitor => {
    const document = context.getDocument();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      OperationDefinition(node) {
        const name = node.name ? `operation ${node.name.value}` : 'the operation';
        const roots = node.selectionSet.selections.length;
        if (roots > limits.maxRootFields) {
          context.reportError(
            limitError(`${name} has ${roots} root fields; the limit is ${limits.maxRootFields}`),
          );
        }
        const { depth, fields } = measure(node.selectionSet, fragments, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(limitError(`${name} is ${depth} levels deep; the limit is ${limits.maxDepth}`));
        }
        if (fields > limits.maxFields) {
          context.reportError(
            limitError(`${name} selects ${fields} fields; the limit is ${limits.maxFields}`),
          );
        }
      },
      Document: {
        leave() {
          if (aliases > limits.maxAliases) {
            context.reportError(
              limitError(`the document uses ${aliases} aliases; the limit is ${limits.maxAliases}`),
            );
          }
        },
      },
    };
  };
  return [rule];
}
