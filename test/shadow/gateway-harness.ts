import type { FastifyInstance } from 'fastify';
import { startGateway } from '../../gateway/test/gateway-harness.ts';
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
  const gateway = await startGateway(shadowRules(monolith.origin, service.origin), env);
  const { url, adminUrl, app } = gateway;
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
    rewriteRules: async (edit) => gateway.writeRules(edit(shadowRules(monolith.origin, service.origin))),
    comparisons,
    until: async (done) => {
      for (;;) {
        const report = await comparisons();
        if (done(report)) return report;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: async () => {
      await gateway.close();
      await Promise.all([monolith.close(), service.close()]);
    },
  };
}

export const routeOf = (report: ComparisonsReport, name: string) => {
  const route = report.routes.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`no route ${name} in the report`);
  return route;
};
