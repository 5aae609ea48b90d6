import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface OperationLimits {
  /** Nesting of fields in one operation, fragments expanded. */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded: aliases multiply work without adding depth. */
  maxAliases: number;
  /** Top-level fields of one operation, fragments on the root type expanded. */
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

/** Why a document was refused: the limit crossed, or a fragment graph that has no finite cost. */
export type LimitRefusalKind =
  'maxDepth' | 'maxAliases' | 'maxRootFields' | 'maxFields' | 'fragmentCycle' | 'duplicateFragment';

export interface LimitRefusal {
  kind: LimitRefusalKind;
  message: string;
}

export interface LimitJudgement {
  refusal: LimitRefusal | undefined;
  /** Selections looked at: at most one per selection written in the document. */
  visits: number;
}

/** What a selection set costs once every fragment in it is expanded. */
interface Cost {
  depth: number;
  fields: number;
  aliases: number;
  /** Fields at the level of the selection set itself (root fields, for an operation). */
  top: number;
}

const free: Cost = { depth: 0, fields: 0, aliases: 0, top: 0 };

// Thrown out of the walk at the first limit crossed: nothing after it can change the answer.
class Refused {
  readonly refusal: LimitRefusal;
  constructor(refusal: LimitRefusal) {
    this.refusal = refusal;
  }
}

function operationTitle(operation: OperationDefinitionNode) {
  return operation.name ? `operation ${operation.name.value}` : 'the operation';
}

/**
 * Judges every operation of a parsed document against the limits, in time linear in the
 * document: each fragment's cost is computed once and reused at every spread (a fragment
 * spreading the next one twice, thirty deep, is thirty computations, not 2^30), and the walk
 * stops at the first limit crossed. Counts only grow along the walk, so a partial count over
 * a limit proves the whole one is. Safe on documents graphql validation would refuse:
 * unknown fragments cost nothing (validation refuses them), cycles and duplicate fragment
 * names are refused here, since neither has a cost.
 */
export function judgeOperationLimits(document: DocumentNode, limits: OperationLimits): LimitJudgement {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const costs = new Map<string, Cost>();
  const expanding = new Set<string>();
  let visits = 0;
  let title = 'the operation';

  const refuse = (kind: LimitRefusalKind, message: string): never => {
    throw new Refused({ kind, message });
  };

  const fragmentCost = (name: string): Cost => {
    const known = costs.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return free;
    if (expanding.has(name))
      refuse('fragmentCycle', `fragment ${name} spreads itself, directly or through other fragments`);
    expanding.add(name);
    const cost = selectionSetCost(fragment.selectionSet);
    expanding.delete(name);
    costs.set(name, cost);
    return cost;
  };

  const selectionSetCost = (selectionSet: SelectionSetNode, root = false): Cost => {
    let depth = 0;
    let fields = 0;
    let aliases = 0;
    let top = 0;
    for (const selection of selectionSet.selections) {
      visits += 1;
      let inner: Cost;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? selectionSetCost(selection.selectionSet) : free;
        inner = {
          depth: child.depth + 1,
          fields: child.fields + 1,
          aliases: child.aliases + (selection.alias ? 1 : 0),
          top: 1,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = selectionSetCost(selection.selectionSet);
      } else {
        inner = fragmentCost(selection.name.value);
      }
      // Each part is at most a limit (or the walk would have stopped), so sums stay small.
      depth = Math.max(depth, inner.depth);
      fields += inner.fields;
      aliases += inner.aliases;
      top += inner.top;
      // Every selection set measured belongs to the operation being judged, so any of its
      // counts over a limit is the operation's too; `top` is root fields only at the root.
      if (depth > limits.maxDepth)
        refuse('maxDepth', `${title} is deeper than the limit of ${limits.maxDepth} levels`);
      if (fields > limits.maxFields)
        refuse(
          'maxFields',
          `${title} selects more than the limit of ${limits.maxFields} fields (fragments expanded)`,
        );
      if (aliases > limits.maxAliases)
        refuse(
          'maxAliases',
          `${title} uses more than the limit of ${limits.maxAliases} aliases (fragments expanded)`,
        );
      if (root && top > limits.maxRootFields)
        refuse(
          'maxRootFields',
          `${title} has more than the limit of ${limits.maxRootFields} root fields (fragments expanded)`,
        );
    }
    return { depth, fields, aliases, top };
  };

  try {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
      const name = definition.name.value;
      if (fragments.has(name)) refuse('duplicateFragment', `fragment ${name} is defined more than once`);
      fragments.set(name, definition);
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      title = operationTitle(definition);
      selectionSetCost(definition.selectionSet, true);
    }
  } catch (error) {
    if (error instanceof Refused) return { refusal: error.refusal, visits };
    throw error;
  }
  return { refusal: undefined, visits };
}

/**
 * Validation rules that refuse abusive operations before any subgraph is asked anything.
 * The whole document is judged when validation enters it, before the walk reaches any
 * definition; the refusal carries its own code (OPERATION_LIMIT_EXCEEDED), which bff-app's
 * formatError keeps.
 */
export function operationLimitRules(limits: OperationLimits) {
  const rule = (context: ValidationContext): ASTVisitor => ({
    Document(node) {
      const { refusal } = judgeOperationLimits(node, limits);
      if (refusal)
        context.reportError(
          new GraphQLError(refusal.message, { extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } }),
        );
    },
  });
  return [rule];
}
