import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRules } from '../src/parse.ts';
import type { CompiledRules, RuleProblem } from '../src/types.ts';
import { watchRules } from '../src/watch.ts';

const cli = fileURLToPath(new URL('../src/cli/check.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fig-rules-writes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Options {
  percent?: number;
  methods?: string;
  paymentDryRun?: boolean;
  monolithDryRun?: boolean;
}

const rules = ({
  percent = 5,
  methods = '[POST]',
  paymentDryRun,
  monolithDryRun,
}: Options = {}) => `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000${monolithDryRun ? ', dryRun: true' : ''} }
  payment: { url: http://127.0.0.1:5002${paymentDryRun ? ', dryRun: true' : ''} }
routes:
  - name: payments
    path: /api/payments
    service: payment
    percent: ${percent}
    shadow: 20
    compare: { methods: ${methods} }
`;

const messages = (text: string) => {
  const result = parseRules(text, 'routes.yaml');
  return result.ok ? [] : result.problems.map((problem) => problem.message);
};

const refusal = (upstream: string, methods = 'POST') =>
  `route "payments" shadows ${methods} to upstream "${upstream}", which does not declare "dryRun: true": ` +
  `each mirrored write would run twice. Declare it once "${upstream}" answers x-fig-dry-run requests ` +
  `without side effects, or remove ${methods} from compare.methods`;

function check(text: string) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  const run = spawnSync(process.execPath, [cli, path], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr, path };
}

describe('shadowed writes', () => {
  it('are refused when the side they would be mirrored to does not answer dry runs', () => {
    // At 5% the monolith serves most and the service gets the mirrors; both sides serve, both get some.
    expect(messages(rules())).toEqual([refusal('payment'), refusal('monolith')]);
    expect(messages(rules({ paymentDryRun: true }))).toEqual([refusal('monolith')]);
    // Before the first user moves, only the service is mirrored to; at 100% only the monolith.
    expect(messages(rules({ percent: 0 }))).toEqual([refusal('payment')]);
    expect(messages(rules({ percent: 100, paymentDryRun: true }))).toEqual([refusal('monolith')]);
    expect(messages(rules({ methods: '[PUT, DELETE]', percent: 0 }))).toEqual([
      refusal('payment', 'PUT, DELETE'),
    ]);
  });

  it('are accepted once every side they can reach declares dryRun, and safe methods need nothing', () => {
    expect(messages(rules({ paymentDryRun: true, monolithDryRun: true }))).toEqual([]);
    expect(messages(rules({ percent: 0, paymentDryRun: true }))).toEqual([]);
    expect(messages(rules({ methods: '[OPTIONS]' }))).toEqual([]);
    const result = parseRules(rules({ paymentDryRun: true, monolithDryRun: true }));
    expect(result.ok && result.rules.upstreams.get('payment')?.dryRun).toBe(true);
  });

  it('rules:check names the route and the upstream, points at compare.methods and fails', () => {
    const result = check(rules({ paymentDryRun: true }));
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `${result.path}:11:25: ${refusal('monolith')} (at /routes/0/compare/methods)`,
    );
  });

  it('rules:check says when writes are compared as dry runs', () => {
    const result = check(rules({ paymentDryRun: true, monolithDryRun: true }));
    expect(result.code).toBe(0);
    expect(result.out).toContain('shadow 20%, POST compared as dry runs');
  });

  it('the loader keeps the last good rules when a reload asks to mirror writes to a real backend', async () => {
    const file = join(dir, 'routes.yaml');
    writeFileSync(file, rules({ methods: '[OPTIONS]' }));
    const problems: RuleProblem[][] = [];
    const reloads: CompiledRules[] = [];
    let wake = () => {};
    const watcher = watchRules(file, {
      debounceMs: 20,
      onError: (found) => (problems.push(found), wake()),
      onReload: (next) => (reloads.push(next), wake()),
    });
    try {
      const first = watcher.current();
      writeFileSync(file, rules());
      while (problems.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      expect(problems[0].map((problem) => problem.message)).toContain(refusal('payment'));
      expect(reloads).toEqual([]);
      expect(watcher.current()).toBe(first);
      expect(watcher.current().byName.get('payments')?.compare?.methods).toEqual(['OPTIONS']);
    } finally {
      watcher.close();
    }
  });
});
