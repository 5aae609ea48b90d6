import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installErrorHandlers } from './errors.ts';
import { loggerOptions } from './logging.ts';
import { createObservability, healthRoutes, type Observability, requestMetrics } from './observability.ts';
import { requestIdFrom } from './request-id.ts';
import { createValidatorCompiler } from './validation.ts';

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
  fastify?: FastifyServerOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    observability: Observability;
  }
}

/** A Fastify instance with Fig's conventions: request ids, JSON errors, health, metrics. */
export function createServer(options: ServerOptions): FastifyInstance {
  const observability = options.observability ?? createObservability(options.service);
  const app = Fastify({
    logger: loggerOptions(options.service, options.logLevel ?? 'info'),
    genReqId: requestIdFrom,
    ...options.fastify,
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorate('observability', observability);
  installErrorHandlers(app, { includeRequestId: options.errorRequestIds });
  if (options.requestMetrics !== false) app.register(requestMetrics, { observability });
  if (options.healthRoutes !== false) app.register(healthRoutes, { observability });
  return app;
}
