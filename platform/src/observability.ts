import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * One per process (or per app in tests): its own Prometheus registry, so several apps in one
 * test process never share or clash on metric names, and the readiness checks that
 * /health/ready runs.
 */
export interface Observability {
  readonly service: string;
  readonly registry: Registry;
  readonly readiness: Map<string, ReadinessCheck>;
}

export function createObservability(service: string): Observability {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return { service, registry, readiness: new Map() };
}

async function runChecks(readiness: Map<string, ReadinessCheck>) {
  const results: Record<string, boolean> = {};
  await Promise.all(
    [...readiness].map(async ([name, check]) => {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }),
  );
  return results;
}

/** `/health/live`, `/health/ready` and `/metrics` on whichever instance should expose them. */
export const healthRoutes: FastifyPluginAsync<{ observability: Observability }> = async (
  app,
  { observability },
) => {
  const quiet = { logLevel: 'warn' as const };
  app.get('/health/live', quiet, async () => ({ status: 'ok', service: observability.service }));
  app.get('/health/ready', quiet, async (_request, reply) => {
    const checks = await runChecks(observability.readiness);
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', quiet, async (_request, reply) =>
    reply.type(observability.registry.contentType).send(await observability.registry.metrics()),
  );
};

// One histogram per registry: a server's public and internal listeners both record into it.
const durations = new WeakMap<Registry, Histogram<'method' | 'route' | 'status_code'>>();

function requestDuration(registry: Registry) {
  let duration = durations.get(registry);
  if (!duration) {
    duration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, matched route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    durations.set(registry, duration);
  }
  return duration;
}

/** Records every response in `http_server_request_duration_seconds` by method, route and status. */
export const requestMetrics = fp<{ observability: Observability }>(
  async (app: FastifyInstance, { observability }) => {
    const duration = requestDuration(observability.registry);
    app.addHook('onResponse', async (request, reply) => {
      duration.observe(
        {
          method: request.method,
          // The route template, never the raw URL: ids in paths would explode cardinality.
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'fig-request-metrics' },
);
