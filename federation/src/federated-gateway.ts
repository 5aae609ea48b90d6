import { readFileSync } from 'node:fs';
import { operationFromDocument } from '@apollo/federation-internals';
import {
  buildOperationContext,
  executeQueryPlan,
  type GraphQLDataSource,
  LocalGraphQLDataSource,
  type ServiceMap,
} from '@apollo/gateway';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import type { FastifyBaseLogger } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { annotateActiveSpan, withSyncSpan } from '@fig/platform/tracing';
import { alignPlan } from './align-plan.ts';
import type { BffContext } from './context.ts';
import { cacheExecutorOperations } from './executor-operation-cache.ts';
import type { FederationMetrics } from './federation-metrics.ts';
import { overrideAttributes, traceOperation } from './operation-tracing.ts';
import { type OverrideDecisions, resolveLabels } from './override-labels.ts';
import { PlanCache } from './plan-cache.ts';
import { defaultSubgraphOptions, SubgraphDataSource, type SubgraphOptions } from './subgraph-data-source.ts';
import { type LoadedSupergraph, loadSupergraph } from './supergraph.ts';
import { watchFile, type WatchedFile } from './watched-file.ts';

export interface FederatedGatewayOptions {
  supergraphPath: string;
  /** Decides each override label per request. */
  overrides: OverrideDecisions;
  metrics: FederationMetrics;
  log: FastifyBaseLogger;
  subgraph?: Partial<SubgraphOptions>;
  /** Per-subgraph fetch budgets (ms) that replace `subgraph.timeoutMs` for the subgraphs named. */
  subgraphTimeouts?: Record<string, number>;
  /** Subgraphs served in-process (a BFF's own aggregates), by subgraph name. */
  localSubgraphs?: Record<string, GraphQLSchema>;
  /** Re-read the supergraph file when it changes (off in tests that load once). */
  watch?: boolean;
  /**
   * Let identical queries in flight at the same moment — same operation, variables, override
   * decisions and caller identity — share one execution. Off by default.
   */
  shareIdenticalOperations?: boolean;
  /** Subgraph URLs that replace the supergraph's (deployments where the services live elsewhere). */
  subgraphUrls?: Record<string, string>;
}

const retireAfterMs = 60_000;

// The executor's Operation per parsed query, built once rather than per execution.
cacheExecutorOperations();

interface Active {
  loaded: LoadedSupergraph;
  services: ServiceMap;
  plans: PlanCache;
}

/**
 * A federation gateway for Apollo Server, built from @apollo/gateway's planner and executor
 * but with three things its ApolloGateway lacks: override labels decided per request (it
 * plans every label as false), plans cached per label combination, and subgraph fetches on
 * our own pooled, guarded client. Reloads swap in a new supergraph atomically; operations
 * already running finish on the one they were validated against.
 */
export class FederatedGateway implements GatewayInterface {
  readonly #options: FederatedGatewayOptions;
  readonly #listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  readonly #bySchema = new WeakMap<GraphQLSchema, Active>();
  readonly #remotes = new Map<string, SubgraphDataSource>();
  // Executions in flight by everything their answer depends on (shareIdenticalOperations).
  readonly #shared = new Map<string, Promise<GatewayExecutionResult>>();
  #current: Active | undefined;
  #watcher: WatchedFile | undefined;

  constructor(options: FederatedGatewayOptions) {
    this.#options = options;
  }

  get supergraph(): LoadedSupergraph | undefined {
    return this.#current?.loaded;
  }

  async load() {
    this.#activate(loadSupergraph(readFileSync(this.#options.supergraphPath, 'utf8')));
    if (this.#options.watch !== false) {
      this.#watcher = watchFile(
        this.#options.supergraphPath,
        (text) => this.reload(text),
        (error) => this.#options.log.error({ err: error }, 'cannot read the supergraph file'),
      );
    }
    return { executor: this.#execute };
  }

  /** Applies a new supergraph, or keeps the current one and logs why the new one was refused. */
  reload(sdl: string): boolean {
    let loaded: LoadedSupergraph;
    try {
      loaded = loadSupergraph(sdl);
    } catch (error) {
      this.#options.metrics.supergraphReloads.inc({ result: 'rejected' });
      this.#options.log.error({ err: error }, 'supergraph rejected; keeping the current one');
      return false;
    }
    if (loaded.id === this.#current?.loaded.id) return true;
    this.#activate(loaded);
    this.#options.metrics.supergraphReloads.inc({ result: 'applied' });
    return true;
  }

  #activate(loaded: LoadedSupergraph) {
    const services: ServiceMap = Object.create(null);
    for (const { name, url } of loaded.subgraphs) {
      services[name] = this.#dataSource(name, this.#options.subgraphUrls?.[name] ?? url);
    }
    const active: Active = { loaded, services, plans: new PlanCache() };
    this.#bySchema.set(loaded.schema, active);
    this.#current = active;
    this.#options.log.info(
      { supergraph: loaded.id, subgraphs: loaded.subgraphs.map((s) => s.name) },
      'supergraph loaded',
    );
    for (const listener of this.#listeners)
      listener({ apiSchema: loaded.schema, coreSupergraphSdl: loaded.sdl });
    this.#retireUnused(new Set(Object.values(services)));
  }

  /**
   * Closes the pools of subgraphs the new supergraph no longer uses, after a grace period
   * for operations still running on the old one.
   */
  #retireUnused(inUse: Set<GraphQLDataSource>) {
    for (const [key, remote] of this.#remotes) {
      if (inUse.has(remote)) continue;
      this.#remotes.delete(key);
      setTimeout(() => void remote.close(), retireAfterMs).unref();
    }
  }

  #dataSource(name: string, url: string): GraphQLDataSource {
    const local = this.#options.localSubgraphs?.[name];
    if (local) return new LocalGraphQLDataSource(local);
    // Pools survive reloads: a new supergraph naming the same subgraph keeps its warm connections.
    const key = `${name} ${url}`;
    let remote = this.#remotes.get(key);
    if (!remote) {
      const timeoutMs = this.#options.subgraphTimeouts?.[name];
      const options = {
        ...defaultSubgraphOptions,
        ...this.#options.subgraph,
        ...(timeoutMs ? { timeoutMs } : {}),
      };
      remote = new SubgraphDataSource(name, url, this.#options.metrics, options);
      this.#remotes.set(key, remote);
    }
    return remote;
  }

  /** Every remote subgraph of the current supergraph answers a trivial query. */
  async subgraphsAnswer(): Promise<boolean> {
    const active = this.#current;
    if (!active) return false;
    const remotes = Object.values(active.services).filter((s) => s instanceof SubgraphDataSource);
    const answers = await Promise.all(remotes.map((remote) => remote.ping()));
    return answers.every(Boolean);
  }

  readonly #execute = (requestContext: GatewayGraphQLRequestContext): Promise<GatewayExecutionResult> =>
    traceOperation(requestContext, () => this.#executeOperation(requestContext));

  readonly #executeOperation = async (
    requestContext: GatewayGraphQLRequestContext,
  ): Promise<GatewayExecutionResult> => {
    const active = this.#bySchema.get(requestContext.schema) ?? this.#current!;
    const { loaded } = active;
    const operationName = requestContext.request.operationName;
    const operationContext = buildOperationContext({
      schema: loaded.schema,
      operationDocument: requestContext.document,
      operationName,
    });
    const definitions = operationContext.operation.variableDefinitions;
    if (definitions?.length) {
      const { errors } = getVariableValues(
        loaded.schema,
        definitions,
        requestContext.request.variables ?? {},
      );
      if (errors) return { errors };
    }
    const context = requestContext.context as BffContext;
    const labels = resolveLabels(loaded.overrideLabels, this.#options.overrides, context.requester);
    annotateActiveSpan(() => overrideAttributes(labels.conditions));
    const planKey = `${requestContext.queryHash}\u0000${operationName ?? ''}\u0000${labels.key}`;
    let plan = active.plans.get(planKey);
    if (!plan) {
      plan = withSyncSpan(
        'graphql.plan',
        () => {
          const operation = operationFromDocument(loaded.apiSchema, requestContext.document, {
            operationName,
          });
          return alignPlan(
            loaded.planner.buildQueryPlan(operation, { overrideConditions: labels.conditions }),
          );
        },
        { attributes: overrideAttributes(labels.conditions) },
      );
      active.plans.set(planKey, plan);
    }
    const run = () =>
      executeQueryPlan(
        plan,
        active.services,
        requestContext,
        operationContext,
        loaded.supergraphSchema,
        loaded.apiSchema,
      );
    if (!this.#options.shareIdenticalOperations || operationContext.operation.operation !== 'query')
      return run();
    // Everything the answer depends on: the supergraph, the operation and its variables, the
    // override decisions and what identifies the caller to the subgraphs. Two requests share
    // an execution only when all of it is equal, so no one ever gets another user's data.
    const { 'x-user-id': user = '', authorization = '' } = context.forwardHeaders;
    const shareKey = [
      loaded.id,
      planKey,
      JSON.stringify(requestContext.request.variables ?? {}),
      user,
      authorization,
    ].join('\u0000');
    const running = this.#shared.get(shareKey);
    if (running) return running;
    const execution = run().finally(() => this.#shared.delete(shareKey));
    this.#shared.set(shareKey, execution);
    return execution;
  };

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback) {
    this.#listeners.add(callback);
    if (this.#current)
      callback({ apiSchema: this.#current.loaded.schema, coreSupergraphSdl: this.#current.loaded.sdl });
    return () => {
      this.#listeners.delete(callback);
    };
  }

  async stop() {
    this.#watcher?.close();
    await Promise.all([...this.#remotes.values()].map((remote) => remote.close()));
    this.#remotes.clear();
  }
}
