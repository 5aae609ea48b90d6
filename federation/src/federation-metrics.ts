import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface FederationMetrics {
  operations: Counter<'operation' | 'outcome'>;
  subgraphDuration: Histogram<'subgraph' | 'outcome'>;
  supergraphReloads: Counter<'result'>;
  rulesVersion: Gauge<'version'>;
}

export function createFederationMetrics(registry: Registry): FederationMetrics {
  return {
    operations: new Counter({
      name: 'bff_graphql_operations_total',
      help: 'GraphQL operations by operation name and outcome (ok, partial, error)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    subgraphDuration: new Histogram({
      name: 'bff_subgraph_request_duration_seconds',
      help: 'Time for one subgraph fetch, by subgraph and outcome (ok, graphql_error, failed, rejected)',
      labelNames: ['subgraph', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    supergraphReloads: new Counter({
      name: 'bff_supergraph_reloads_total',
      help: 'Supergraph file reloads by result (applied, rejected)',
      labelNames: ['result'],
      registers: [registry],
    }),
    rulesVersion: new Gauge({
      name: 'bff_routing_rules_info',
      help: 'The routing rules version override labels follow now (value 1)',
      labelNames: ['version'],
      registers: [registry],
    }),
  };
}
