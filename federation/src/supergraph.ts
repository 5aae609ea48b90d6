import { createHash } from 'node:crypto';
import { type Schema, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';

/** Everything derived from one supergraph SDL; immutable, so in-flight operations keep theirs. */
export interface LoadedSupergraph {
  readonly sdl: string;
  /** Short content hash, shown in logs and used to key plans. */
  readonly id: string;
  readonly supergraph: Supergraph;
  readonly apiSchema: Schema;
  /** The client-facing schema Apollo Server validates against. */
  readonly schema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  readonly planner: QueryPlanner;
  /** Every `@override(label:)` in the supergraph, sorted, so label combinations key plans stably. */
  readonly overrideLabels: readonly string[];
  readonly subgraphs: readonly { name: string; url: string }[];
}

function collectOverrideLabels(supergraph: Supergraph): string[] {
  // The same walk the query planner does to default every label to false.
  const joinField = supergraph.schema.directives().find((d) => d.name === 'join__field');
  const labels = new Set<string>();
  for (const application of joinField?.applications() ?? []) {
    const label = (application.arguments() as { overrideLabel?: string }).overrideLabel;
    if (label) labels.add(label);
  }
  return [...labels].sort();
}

/** Parses and validates a supergraph; throws with the composition problems when it is not one. */
export function loadSupergraph(sdl: string): LoadedSupergraph {
  const supergraph = Supergraph.build(sdl, { validateSupergraph: true });
  const apiSchema = supergraph.apiSchema();
  return {
    sdl,
    id: createHash('sha256').update(sdl).digest('hex').slice(0, 12),
    supergraph,
    apiSchema,
    schema: apiSchema.toGraphQLJSSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    planner: new QueryPlanner(supergraph),
    overrideLabels: collectOverrideLabels(supergraph),
    subgraphs: supergraph.subgraphsMetadata().map(({ name, url }) => ({ name, url })),
  };
}
