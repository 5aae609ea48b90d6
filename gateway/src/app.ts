import { createServer } from '@fig/platform';
import { bounds } from './bounds-config.ts';
import { type FastifyHttpOptions, type FastifyInstance, LogController } from 'fastify';
import type { Server } from 'node:http';
import type { GatewayConfig } from './config.ts';
import { createAuthenticator, serverLimits } from './edge-config.ts';
import { hardenedServerOptions } from './hardening/server-options.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { BodyBudget } from './proxy/body-budget.ts';
import { accessLogPlugin } from './plugins/access-log.ts';
import { ownHostNames } from './admin/host-names.ts';
import { adminAuthPlugin } from './plugins/admin-auth.ts';
import { adminHostPlugin } from './plugins/admin-host.ts';
import { adminRulesPlugin } from './plugins/admin-rules.ts';
import { authPlugin } from './plugins/auth.ts';
import { edgeContextPlugin } from './plugins/edge-context.ts';
import { hardeningPlugin } from './plugins/hardening.ts';
import { proxyPlugin } from './plugins/proxy.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { rateLimitStorePlugin, type RateLimitStoreOptions } from './plugins/rate-limit-store.ts';
import { createFailFastRedis } from './fail-fast-redis.ts';
import { createRulesSource, type RulesSource } from './rules-source.ts';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import type { AuthFailureLimits } from './rate-limit/auth-failure-budget.ts';
import { trustProxyOption } from '@fig/platform/trust-proxy';
import { UpstreamBreakers } from './upstreams/breakers.ts';
import { UpstreamPools } from './upstreams/pools.ts';
import { EventLog } from './dashboard/event-log.ts';
import { dashboardRoutes } from './dashboard/dashboard-routes.ts';
import { shadowPlugin } from './shadow/plugin/shadow-plugin.ts';
import { Shadowing } from './shadow/plugin/shadowing.ts';
import { shadowLimits } from './shadow/plugin/shadow-config.ts';
import { createRampController } from './ramp/create-ramp-controller.ts';
import { rampRoutes } from './ramp/ramp-routes.ts';
import { stepUsersPlugin } from './ramp/step-users-plugin.ts';
import { registerLabelledComparisons } from './shadow/plugin/labelled-comparisons-metric.ts';

// A request without Host gets the admin's own JSON refusal (plugins/admin-host.ts), not Node's bare 400.
const adminServerOptions: FastifyHttpOptions<Server> = { http: { requireHostHeader: false } };

export interface Gateway {
  /** The public edge (PORT). */
  app: FastifyInstance;
  /** Operations (ADMIN_PORT): health, metrics, rules — register further admin routes here. */
  admin: FastifyInstance;
}

export interface EdgeChainOptions {
  rules: RulesSource;
  bodyBudget: BodyBudget;
  metrics: GatewayMetrics;
  rateLimit: Omit<RateLimitStoreOptions, 'metrics'>;
  authenticator: Authenticator;
  /** The failed-authentication budget per client address. */
  authFailures: AuthFailureLimits;
}

/**
 * The stages every request meets before the proxy, in order: the edge context (normalised
 * path, rules snapshot, route; private paths refused), hardening, auth (with its
 * failed-authentication budget), the route's rate limit. The store has no hooks: auth charges
 * failures to it, and the route budget after auth.
 */
export function registerEdgeChain(app: FastifyInstance, options: EdgeChainOptions): void {
  const { metrics } = options;
  app.register(edgeContextPlugin, { rules: options.rules });
  app.register(hardeningPlugin, { bodyBudget: options.bodyBudget });
  app.register(rateLimitStorePlugin, { ...options.rateLimit, metrics });
  app.register(authPlugin, { authenticator: options.authenticator, failures: options.authFailures, metrics });
  app.register(rateLimitPlugin, { metrics });
}

/**
 * The edge as a set of plugins, in the order a request meets them: edge context (normalised
 * path, rules snapshot, route, private paths refused) -> hardening -> auth (with its
 * failed-authentication budget per address) -> rate limit (keyed by the verified subject, else
 * the address) -> proxy. Throws RulesError when the rules file is invalid at start.
 */
export function buildApp(config: GatewayConfig): Gateway {
  const app = createServer({
    service: 'gateway',
    logLevel: config.LOG_LEVEL,
    healthRoutes: false,
    // gateway_requests_total and its histogram count every request, by route and backend.
    requestMetrics: false,
    errorRequestIds: true,
    fastify: {
      trustProxy: trustProxyOption(config.TRUST_PROXY),
      // One access line per request instead of Fastify's two (plugins/access-log.ts).
      logController: new LogController({ disableRequestLogging: true }),
      ...hardenedServerOptions(serverLimits(config)),
    },
  });
  const admin = createServer({
    service: 'gateway-admin',
    logLevel: config.LOG_LEVEL,
    observability: app.observability,
    requestMetrics: false,
    // The dashboard polls every second: operators' reads are not the traffic to trace.
    traced: false,
    fastify: adminServerOptions,
  });

  const authenticator = createAuthenticator(config);
  const metrics = createGatewayMetrics(app.observability.registry, () => authenticator.keys.fetches());
  const rules = createRulesSource(config.ROUTING_RULES, app.log, metrics);
  const pools = new UpstreamPools(rules.current());
  const breakers = new UpstreamBreakers(rules.current(), metrics);
  rules.onSwap((next) => {
    pools.reconcile(next);
    breakers.reconcile(next);
  });
  const redis = config.REDIS_URL
    ? createFailFastRedis(config.REDIS_URL, { commandTimeoutMs: config.RATE_LIMIT_REDIS_TIMEOUT_MS })
    : undefined;

  app.register(accessLogPlugin);
  const limits = bounds(config);
  const bodyBudget = new BodyBudget(limits.bodyBufferBytes, metrics);
  registerEdgeChain(app, {
    rules,
    bodyBudget,
    metrics,
    rateLimit: { redis, failClosed: config.RATE_LIMIT_FAIL_CLOSED },
    authenticator,
    authFailures: {
      max: config.RATE_LIMIT_AUTH_FAILURES,
      windowMs: config.RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS * 1000,
    },
  });
  app.register(proxyPlugin, {
    pools,
    breakers,
    metrics,
    forceBackendScope: config.FORCE_BACKEND_SCOPE,
    bounds: limits,
    bodyBudget,
  });

  // Migration insight: shadow comparison on the proxy, the event log and the dashboard.
  const events = new EventLog();
  rules.onSwap((next) => events.record('reload', `rules ${next.version} active`));
  rules.onReject((problems) => events.record('reload-rejected', `${problems.length} problem(s), rules kept`));
  breakers.onStateChange((upstream, state) =>
    events.record(`breaker-${state}`, `breaker ${state}`, upstream),
  );
  const shadowing = new Shadowing({
    registry: app.observability.registry,
    available: (upstream) => breakers.state(upstream) !== 'open',
    redisUrl: config.REDIS_URL,
    limits: shadowLimits(config),
    bucketMs: config.COMPARISON_BUCKET_SECONDS * 1000,
    onError: (error) => app.log.warn({ err: error }, 'shared comparisons unavailable, counting locally'),
  });
  app.register(shadowPlugin, { shadowing });
  registerLabelledComparisons(app.observability.registry, {
    rules: rules.current,
    snapshot: () => shadowing.snapshot(),
    compareOptions: (route) => shadowing.compareOptions(route),
  });
  const { controller: ramps, users } = createRampController(config, {
    rules,
    shadowing,
    registry: app.observability.registry,
    log: app.log,
  });
  app.register(stepUsersPlugin, { users });
  rules.onSwap(() => void ramps.tick());
  app.addHook('onReady', () => ramps.start());
  app.addHook('onClose', async () => {
    await ramps.close();
    rules.close();
    breakers.close();
    await pools.close();
    redis?.disconnect();
  });

  app.observability.readiness.set('rules', () => rules.current().upstreams.has('monolith'));
  // The Host check first: a page rebinding its name to this machine learns nothing, not even 401.
  admin.register(adminHostPlugin, {
    names: ownHostNames(config.ADMIN_HOST, config.ADMIN_ALLOWED_HOSTS?.split(',')),
  });
  admin.register(adminAuthPlugin, { token: config.ADMIN_TOKEN, metricsToken: config.METRICS_TOKEN });
  admin.register(adminRulesPlugin, { rules, breakers, pools });
  admin.register(dashboardRoutes, {
    shadowing,
    events,
    rules: rules.current,
    traceUrlTemplate: config.TRACE_URL_TEMPLATE,
  });
  admin.register(rampRoutes, { ramps, rules: rules.current });
  return { app, admin };
}
