export { type BffOptions, createBffApp, type ExecuteOnGraph } from './bff-app.ts';
export { type BffContext, contextFromRequest } from './context.ts';
export { dedupeRepresentations } from './dedupe-representations.ts';
export { FederatedGateway } from './federated-gateway.ts';
export {
  defaultOperationLimits,
  judgeOperationLimits,
  type LimitJudgement,
  type LimitRefusal,
  type OperationLimits,
  operationLimitRules,
} from './operation-limits.ts';
export {
  type OverrideDecisions,
  type OverrideEvents,
  type Requester,
  resolveLabels,
} from './override-labels.ts';
export { type LoadedSupergraph, loadSupergraph } from './supergraph.ts';
export { watchFile } from './watched-file.ts';
export { type BffEnv, bffEnvSchema, bffOptionsFrom } from './bff-config.ts';
export { type ClientBffOptions, createRoutedBffApp } from './routed-bff-app.ts';
export { type ComposeResult, composeSupergraph, type SubgraphSource } from './compose.ts';
export { runCompose } from './compose-cli.ts';
export {
  composeSupergraphFile,
  parseSubgraphTimeouts,
  parseSubgraphUrls,
  stackSubgraphs,
} from './stack-subgraphs.ts';
