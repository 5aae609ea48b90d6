// The one gateway test harness: the whole gateway in-process (`startGateway`), and the edge's
// stages before the proxy in front of an echoing handler (`edgeApp`), both built by the
// production code. Unit tests here and the end-to-end tests in test/ use it.
import { createServer, loadConfig } from '@fig/platform';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, registerEdgeChain } from '../src/app.ts';
import { boundsDefaults } from '../src/bounds-config.ts';
import { type GatewayConfig, gatewayEnvSchema } from '../src/config.ts';
import { createAuthenticator } from '../src/edge-config.ts';
import { createGatewayMetrics } from '../src/metrics.ts';
import type { RateLimitStoreOptions } from '../src/plugins/rate-limit-store.ts';
import { BodyBudget } from '../src/proxy/body-budget.ts';
import type { AuthFailureLimits } from '../src/rate-limit/auth-failure-budget.ts';
import { createRulesSource } from '../src/rules-source.ts';
import { trustProxyOption } from '@fig/platform/trust-proxy';

// No identity provider unless a test brings one: tokens then fail as unverifiable.
const noIdentityProvider = 'http://127.0.0.1:9/jwks.json';

export interface RunningGateway {
  /** The public edge, for tests that look inside it. */
  app: FastifyInstance;
  url: string;
  adminUrl: string;
  rulesFile: string;
  /** Rewrites the rules file the way an editor does (write aside, rename over). */
  writeRules(text: string): void;
  /** Writes the rules and waits until the gateway reports a reload with a new version (or a rejection). */
  updateRules(text: string): Promise<RulesView>;
  rules(): Promise<RulesView>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface RulesView {
  version: string;
  lastReload: { ok: boolean; version: string; problems?: Array<{ line?: number; message: string }> } | null;
  breakers: Record<string, string>;
  routes: Array<{ name: string; percent: number }>;
}

/** The whole gateway in-process on port 0 (public and admin), reading rules from a temp file. */
export async function startGateway(
  rulesText: string,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'fig-gateway-'));
  const rulesFile = join(dir, 'routes.yaml');
  writeFileSync(rulesFile, rulesText);
  const config = loadConfig<GatewayConfig>(gatewayEnvSchema, {
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'silent',
    ROUTING_RULES: rulesFile,
    AUTH_JWKS_URL: noIdentityProvider,
    ...env,
  });
  const { app, admin } = buildApp(config);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const adminUrl = await admin.listen({ port: 0, host: '127.0.0.1' });
  const adminHeaders = config.ADMIN_TOKEN ? { authorization: `Bearer ${config.ADMIN_TOKEN}` } : undefined;
  const rules = async () =>
    (await (await fetch(`${adminUrl}/rules`, { headers: adminHeaders })).json()) as RulesView;
  let edits = 0;
  const writeRules = (text: string) => {
    const aside = `${rulesFile}.${++edits}.tmp`;
    writeFileSync(aside, text);
    renameSync(aside, rulesFile);
  };
  return {
    app,
    url,
    adminUrl,
    rulesFile,
    writeRules,
    async updateRules(text) {
      const before = await rules();
      const lastAt = JSON.stringify(before.lastReload);
      writeRules(text);
      for (let waited = 0; waited < 5000; waited += 20) {
        const now = await rules();
        if (JSON.stringify(now.lastReload) !== lastAt) return now;
        await sleep(20);
      }
      throw new Error('the gateway did not reload its rules');
    },
    rules,
    metrics: async () => (await fetch(`${adminUrl}/metrics`, { headers: adminHeaders })).text(),
    async close() {
      await app.close();
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** routes.yaml text for a monolith and one service split by `percent`. */
export function splitRules(
  upstreams: { monolith: string; service: string },
  percent: number,
  extra = '',
): string {
  return `version: 1
upstreams:
  monolith: { url: ${upstreams.monolith}, timeout: 2s }
  inventory: { url: ${upstreams.service}, timeout: 2s }
defaults:
  auth: none
  rateLimit: { max: 1000000 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory
    percent: ${percent}
    sticky: header:x-client-id
${extra}`;
}

export interface EchoGatewaySuite {
  /** Stands in for the monolith: answers as `monolith`. */
  readonly monolith: RunningEchoUpstream;
  /** Stands in for the inventory service: answers as `inventory`. */
  readonly service: RunningEchoUpstream;
  readonly gateway: RunningGateway;
}

/**
 * For the enclosing suite: echo upstreams for the monolith and the inventory service, and a
 * whole gateway over them (`rules` writes its routes.yaml from their URLs, `env` adds to its
 * env; both are read in beforeAll, after the suite's earlier hooks); all closed after the suite.
 */
export function echoGatewayPerSuite(
  rules: (upstreams: { monolith: string; service: string }) => string,
  env: () => Record<string, string> = () => ({}),
): EchoGatewaySuite {
  let monolith: RunningEchoUpstream | undefined;
  let service: RunningEchoUpstream | undefined;
  let gateway: RunningGateway | undefined;
  beforeAll(async () => {
    [monolith, service] = await Promise.all([startEchoUpstream('monolith'), startEchoUpstream('inventory')]);
    gateway = await startGateway(rules({ monolith: monolith.url, service: service.url }), env());
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([monolith?.close(), service?.close()]);
  });
  const started = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error('the gateway and its upstreams start in beforeAll');
    return part;
  };
  return {
    get monolith() {
      return started(monolith);
    },
    get service() {
      return started(service);
    },
    get gateway() {
      return started(gateway);
    },
  };
}

export interface EdgeAppOptions {
  /** Verifies tokens; without one, the gateway's own against no identity provider. */
  authenticator?: Authenticator;
  rateLimit?: Omit<RateLimitStoreOptions, 'metrics'>;
  /** The failed-authentication budget per address; the gateway's default (30 a minute) if absent. */
  authFailures?: AuthFailureLimits;
  /** TRUST_PROXY's value. */
  trustProxy?: string;
  server?: FastifyServerOptions;
  /** Registers more on the app after the edge's own plugins (their hooks run later). */
  extend?: (app: FastifyInstance) => void;
}

/**
 * The edge's stages before the proxy (context -> hardening -> auth -> rate limit), registered
 * by the gateway's own registerEdgeChain over a rules file, in front of a handler that echoes
 * what they learnt: the plugins tested without upstreams.
 */
export async function edgeApp(rulesText: string, options: EdgeAppOptions = {}): Promise<FastifyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'fig-edge-'));
  const rulesFile = join(dir, 'routes.yaml');
  writeFileSync(rulesFile, rulesText);
  const app = createServer({
    service: 'gateway',
    logLevel: 'silent',
    errorRequestIds: true,
    fastify: {
      trustProxy: trustProxyOption(options.trustProxy ?? 'false') as boolean | string[],
      ...options.server,
    },
  });
  const authenticator =
    options.authenticator ??
    createAuthenticator(loadConfig<GatewayConfig>(gatewayEnvSchema, { AUTH_JWKS_URL: noIdentityProvider }));
  const metrics = createGatewayMetrics(app.observability.registry, () => authenticator.keys.fetches());
  const rules = createRulesSource(rulesFile, app.log, metrics);
  registerEdgeChain(app, {
    rules,
    bodyBudget: new BodyBudget(boundsDefaults.bodyBufferBytes, metrics),
    metrics,
    rateLimit: options.rateLimit ?? {},
    authenticator,
    authFailures: options.authFailures ?? { max: 30, windowMs: 60_000 },
  });
  options.extend?.(app);
  app.all('/*', async (request) => ({
    route: request.fig.route.name,
    bodyBytes: typeof request.body === 'string' ? request.body.length : null,
    subject: request.fig.subject ?? null,
    scopes: request.fig.scopes,
    clientIp: request.fig.clientIp,
    headers: Object.keys(request.headers),
  }));
  app.addHook('onClose', async () => {
    rules.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await app.ready();
  return app;
}
