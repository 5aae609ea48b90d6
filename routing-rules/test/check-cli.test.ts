import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli/check.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fig-rules-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const rules = (percent: number | string) => `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory
    percent: ${percent}
`;

function check(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('rules:check', () => {
  it('summarises a valid file and says what changes against the active one', () => {
    const active = file('active.yaml', rules(25));
    const next = file('next.yaml', rules(50));
    const result = check(next, '--against', active);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${next}: valid`);
    expect(result.out).toMatch(/inventory\s+\/api\/inventory\s+any\s+inventory 50% \/ monolith 50%/);
    expect(result.out).toContain(
      'inventory: 25% -> 50%: about a quarter of users move to the service, none move back',
    );
  });

  it('prints every problem with line and column and fails', () => {
    const broken = file('broken.yaml', `${rules('150')}    colour: red\n`);
    const result = check(broken);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${broken}:9:14: must be <= 100 (at /routes/0/percent)`);
    expect(result.err).toContain(`${broken}:10:5: unknown field "colour" (at /routes/0/colour)`);
  });
});
