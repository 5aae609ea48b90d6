import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type CallerAuthOptions, callerAuth } from './auth/caller-auth.ts';
import { installErrorHandlers } from './errors.ts';
import { loggerOptions } from './logging.ts';
import { createObservability, healthRoutes, type Observability, requestMetrics } from './observability.ts';
import { requestIdFrom } from './request-id.ts';
import { createValidatorCompiler } from './validation.ts';
import { traceRequests } from './tracing/server-span.ts';

export interface ServerOptions {
  service: string;
  logLevel?: string;
  observability?: Observability;
  /** false when health and metrics live elsewhere (the gateway serves them on its admin port). */
  healthRoutes?: boolean;
  /** false for a second server sharing another's observability (an admin port), so requests are counted once. */
  requestMetrics?: boolean;
  /** Put the request id into error bodies (the edge, whose errors clients quote in support). */
  errorRequestIds?: boolean;
  /**
   * A second, internal listener (`app.internal`) for what only Fig's own parts may reach:
   * health, metrics, the subgraph, `/internal/*`. The public instance then has none of them.
   */
  internal?: boolean;
  /** false for a listener only operators use (the gateway's admin port): no server spans. */
  traced?: boolean;
  /** Verify callers' bearer tokens (callerAuth) on every listener, the internal one included. */
  callerAuth?: CallerAuthOptions;
  fastify?: FastifyServerOptions;
}

/** A server with an internal listener: `serve()` listens, drains and closes both. */
export type FigServer = FastifyInstance & { readonly internal: FastifyInstance };

declare module 'fastify' {
  interface FastifyInstance {
    observability: Observability;
    /** The internal listener of a server created with `internal: true`. */
    internal?: FastifyInstance;
  }
}

// One Fastify instance with Fig's conventions; `createServer` makes one or two of them.
function createInstance(options: ServerOptions, observability: Observability, listener?: string) {
  const logger = loggerOptions(options.service, options.logLevel ?? 'info');
  const app = Fastify({
    // Each line of the internal listener says so, "Server listening at" included: that is how
    // a reader (and spawnDeployable) tells the two addresses apart.
    logger: listener ? { ...logger, base: { ...logger.base, listener } } : logger,
    genReqId: requestIdFrom,
    ...options.fastify,
  });
  // First: every later hook, handler and log line of a request runs inside its span.
  if (options.traced !== false) traceRequests(app);
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorate('observability', observability);
  installErrorHandlers(app, { includeRequestId: options.errorRequestIds });
  if (options.requestMetrics !== false) app.register(requestMetrics, { observability });
  if (options.callerAuth) app.register(callerAuth, options.callerAuth);
  return app;
}

/** A Fastify instance with Fig's conventions: request ids, JSON errors, health, metrics. */
export function createServer(options: ServerOptions & { internal: true }): FigServer;
export function createServer(options: ServerOptions): FastifyInstance;
export function createServer(options: ServerOptions): FastifyInstance {
  const observability = options.observability ?? createObservability(options.service);
  const app = createInstance(options, observability);
  if (!options.internal) {
    if (options.healthRoutes !== false) app.register(healthRoutes, { observability });
    return app;
  }
  // Same registry, readiness checks and request histogram; its own routes and port.
  const internal = createInstance(options, observability, 'internal');
  if (options.healthRoutes !== false) internal.register(healthRoutes, { observability });
  app.decorate('internal', internal);
  // Closing the server closes both. The internal side drains first: the resources the public
  // side's onClose hooks release (databases, clients) serve its subgraph too.
  app.addHook('preClose', async () => {
    await internal.close();
  });
  return app;
}
