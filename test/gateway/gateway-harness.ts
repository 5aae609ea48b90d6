import { loadConfig } from '@fig/platform';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../../gateway/src/app.ts';
import { type GatewayConfig, gatewayEnvSchema } from '../../gateway/src/config.ts';

export interface RunningGateway {
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
    // No identity provider unless a test brings one: tokens then fail as unverifiable.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
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
