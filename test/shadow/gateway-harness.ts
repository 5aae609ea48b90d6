import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fig/platform';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../gateway/src/app.ts';
import { type GatewayConfig, gatewayEnvSchema } from '../../gateway/src/config.ts';
import type { ComparisonsReport } from '../../gateway/src/dashboard/comparisons-report.ts';
import { shadowRules, startUpstream, type Upstream } from './differing-upstreams.ts';

export interface ShadowGateway {
  url: string;
  adminUrl: string;
  app: FastifyInstance;
  monolith: Upstream;
  service: Upstream;
  /** Rewrites the rules file (the gateway reloads it). */
  rewriteRules(edit: (text: string) => string): Promise<void>;
  comparisons(): Promise<ComparisonsReport>;
  /** Polls until `done` holds for the report (shadows complete after the client's answer). */
  until(done: (report: ComparisonsReport) => boolean): Promise<ComparisonsReport>;
  close(): Promise<void>;
}

/** The real gateway (both ports on 0) in front of two upstreams that differ in known ways. */
export async function startShadowGateway(env: Record<string, string> = {}): Promise<ShadowGateway> {
  const [monolith, service] = await Promise.all([startUpstream('monolith'), startUpstream('service')]);
  const dir = await mkdtemp(join(tmpdir(), 'fig-shadow-'));
  const rulesPath = join(dir, 'routes.yaml');
  await writeFile(rulesPath, shadowRules(monolith.origin, service.origin));
  const config = loadConfig<GatewayConfig>(gatewayEnvSchema, {
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'silent',
    ROUTING_RULES: rulesPath,
    ...env,
  });
  const { app, admin } = buildApp(config);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const adminUrl = await admin.listen({ port: 0, host: '127.0.0.1' });
  const headers: Record<string, string> = env.ADMIN_TOKEN
    ? { authorization: `Bearer ${env.ADMIN_TOKEN}` }
    : {};
  const comparisons = async () =>
    (await (await fetch(`${adminUrl}/comparisons`, { headers })).json()) as ComparisonsReport;
  return {
    url,
    adminUrl,
    app,
    monolith,
    service,
    rewriteRules: async (edit) => writeFile(rulesPath, edit(shadowRules(monolith.origin, service.origin))),
    comparisons,
    until: async (done) => {
      for (;;) {
        const report = await comparisons();
        if (done(report)) return report;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: async () => {
      await app.close();
      await admin.close();
      await Promise.all([monolith.close(), service.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const routeOf = (report: ComparisonsReport, name: string) => {
  const route = report.routes.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`no route ${name} in the report`);
  return route;
};
