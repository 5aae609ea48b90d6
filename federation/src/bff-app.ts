import type { trustProxyOption } from '@fig/platform/trust-proxy';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import {
  type BackendAuthenticatorOptions,
  createBackendAuthenticator,
} from '@fig/platform/auth/backend-auth';
import { createServer, type FigServer } from '@fig/platform/server';
import { type BffContext, contextFromRequest } from './context.ts';
import { FederatedGateway } from './federated-gateway.ts';
import { createFederationMetrics } from './federation-metrics.ts';
import { defaultOperationLimits, type OperationLimits, operationLimitRules } from './operation-limits.ts';
import { operationMetricsPlugin } from './operation-metrics.ts';
import type { OverrideDecisions, OverrideEvents } from './override-labels.ts';
import type { SubgraphOptions } from './subgraph-data-source.ts';

// @apollo/gateway reports anonymous usage to a third party unless this is set; a BFF never should.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

export type ExecuteOnGraph = (
  query: string,
  variables: Record<string, unknown>,
  context: BffContext,
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }>;

export interface BffOptions {
  service: string;
  logLevel?: string;
  supergraphPath: string;
  /** Override-label decisions (from routes.yaml), given the events to report reloads to. */
  overrides: (events: OverrideEvents) => OverrideDecisions;
  /** Production: no introspection, no field suggestions, no schema details in errors. */
  production: boolean;
  /** Where GraphQL is served; the gateway forwards its `/<client>/graphql` route unchanged. */
  paths?: string[];
  limits?: Partial<OperationLimits>;
  subgraph?: Partial<SubgraphOptions>;
  subgraphTimeouts?: Record<string, number>;
  /** Automatic persisted queries (hash-only requests after the first). */
  automaticPersistedQueries?: boolean;
  /**
   * Subgraphs served in-process, by name. They may run operations on the BFF's own graph
   * (same requester, same override decisions) to gather keys for the references they return.
   */
  localSubgraphs?: (execute: ExecuteOnGraph) => Record<string, GraphQLSchema>;
  /** Runs before Apollo sees the request: resolving trusted documents, refusing others. */
  preHandler?: preHandlerAsyncHookHandler;
  subgraphUrls?: Record<string, string>;
  /** Identical concurrent queries of one caller share an execution (see FederatedGateway). */
  shareIdenticalOperations?: boolean;
  /**
   * Whose X-Forwarded-For to believe for the client address (sticky routing by IP): true (the
   * default) believes it whole, since the gateway rewrites it from what it trusts and clients
   * never reach a BFF directly; or addresses/CIDRs of the proxies to trust; or false.
   */
  trustProxy?: ReturnType<typeof trustProxyOption>;
  watch?: boolean;
  /** Where the callers' tokens are verified (default the local monolith's JWKS, issuer `fig`). */
  auth?: Partial<BackendAuthenticatorOptions>;
  /** A ready verifier instead of `auth` (tests). */
  authenticator?: Authenticator;
}

const defaultAuth: BackendAuthenticatorOptions = {
  jwksUrl: 'http://127.0.0.1:3000/.well-known/jwks.json',
  issuer: 'http://127.0.0.1:3000',
  audience: 'fig',
};

// Apollo files limit refusals under its generic validation and parse codes; give them their
// own so clients can tell "too big" from "wrong". (graphql-js spells its token message
// "more that"; both spellings are matched.)
function limitRefusal(formatted: GraphQLFormattedError, error: unknown): boolean {
  const original = (error as GraphQLError | undefined)?.originalError as GraphQLError | undefined;
  return (
    original?.extensions?.code === 'OPERATION_LIMIT_EXCEEDED' ||
    (formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' &&
      /Document contains more tha[nt] \d+ tokens/.test(formatted.message))
  );
}

// Anything without a deliberate code is an internal failure: say so, and nothing more.
function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const given = (formatted.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR';
  const code = limitRefusal(formatted, error) ? 'OPERATION_LIMIT_EXCEEDED' : given;
  const internal = code === 'INTERNAL_SERVER_ERROR';
  return {
    message: internal ? 'internal error' : formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code },
  };
}

/**
 * A GraphQL backend-for-frontend: Fastify (Fig's health, metrics, request ids) serving
 * Apollo Server over a FederatedGateway that follows routes.yaml for override labels.
 */
export function createBffApp(options: BffOptions): FigServer {
  // The client GraphQL endpoint on the public listener; health and metrics on the internal one.
  // The requester (sticky override labels) is whoever a token verified here says; the same
  // token goes on to every subgraph, which verifies it again for itself.
  const app = createServer({
    service: options.service,
    logLevel: options.logLevel,
    internal: true,
    fastify: { trustProxy: options.trustProxy ?? true },
    callerAuth: {
      authenticator: options.authenticator ?? createBackendAuthenticator({ ...defaultAuth, ...options.auth }),
      publicPaths: /^\/(health\/|metrics(\?|$))/,
    },
  });
  const metrics = createFederationMetrics(app.observability.registry);
  const showRules = (version: string) => {
    metrics.rulesVersion.reset();
    metrics.rulesVersion.set({ version }, 1);
  };
  const overrides = options.overrides({
    onReload: (version) => {
      showRules(version);
      app.log.info({ version }, 'routing rules reloaded');
    },
    onError: (problems) => app.log.error({ problems }, 'routing rules rejected; keeping the current ones'),
  });
  showRules(overrides.version());
  // Called only while serving, after `apollo` below exists.
  const execute: ExecuteOnGraph = async (query, variables, context) => {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: context });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not used here');
    return response.body.singleResult;
  };
  const gateway = new FederatedGateway({
    supergraphPath: options.supergraphPath,
    overrides,
    metrics,
    log: app.log,
    subgraph: options.subgraph,
    subgraphTimeouts: options.subgraphTimeouts,
    localSubgraphs: options.localSubgraphs?.(execute),
    watch: options.watch,
    subgraphUrls: options.subgraphUrls,
    shareIdenticalOperations: options.shareIdenticalOperations,
  });
  const limits = { ...defaultOperationLimits, ...options.limits };
  const apollo = new ApolloServer<BffContext>({
    gateway,
    introspection: !options.production,
    hideSchemaDetailsFromClientErrors: options.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // serve() drains on SIGTERM; Apollo's own handler would re-raise the signal and kill the
    // process before the drain finishes.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    persistedQueries: options.automaticPersistedQueries ? {} : false,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: operationLimitRules(limits),
    formatError,
    plugins: [ApolloServerPluginLandingPageDisabled(), operationMetricsPlugin(metrics)],
  });

  app.observability.readiness.set('supergraph', () => gateway.supergraph !== undefined);
  app.observability.readiness.set('subgraphs', () => gateway.subgraphsAnswer());

  app.register(async (scoped) => {
    await apollo.start();
    const handler = fastifyApolloHandler(apollo, { context: async (request) => contextFromRequest(request) });
    for (const url of options.paths ?? ['/graphql']) {
      scoped.route({
        method: ['GET', 'POST', 'OPTIONS'],
        url,
        preHandler: options.preHandler,
        handler,
      });
    }
  });
  // Fastify has drained in-flight requests by the time onClose runs (Apollo's own drain
  // plugin would call fastify.close() from inside it and wait on itself).
  app.addHook('onClose', async () => {
    await apollo.stop();
    overrides.close();
  });
  return app;
}
