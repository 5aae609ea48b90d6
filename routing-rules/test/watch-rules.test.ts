import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledRules, RuleProblem } from '../src/types.ts';
import { RulesError, watchRules } from '../src/watch.ts';

const rulesAt = (percent: number) => `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: ${percent} }
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'fig-rules-'));
  dirs.push(dir);
  return dir;
}

/** Resolves with the next reload or error the watcher reports. */
function events() {
  const queue: Array<{ rules?: CompiledRules; problems?: RuleProblem[] }> = [];
  let wake: (() => void) | undefined;
  const push = (event: (typeof queue)[number]) => {
    queue.push(event);
    wake?.();
  };
  return {
    onReload: (rules: CompiledRules) => push({ rules }),
    onError: (problems: RuleProblem[]) => push({ problems }),
    async next() {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift()!;
    },
  };
}

describe('watchRules', () => {
  it('refuses to start on an invalid file', () => {
    const file = join(tempDir(), 'routes.yaml');
    writeFileSync(file, 'version: 1\n');
    expect(() => watchRules(file)).toThrow(RulesError);
  });

  it('swaps in a valid edit and keeps the last good rules on an invalid one', async () => {
    const file = join(tempDir(), 'routes.yaml');
    writeFileSync(file, rulesAt(10));
    const seen = events();
    const watcher = watchRules(file, { ...seen, debounceMs: 20 });
    try {
      const first = watcher.current();
      expect(first.byName.get('inventory')?.percent).toBe(10);

      writeFileSync(file, rulesAt(30));
      expect((await seen.next()).rules?.byName.get('inventory')?.percent).toBe(30);
      expect(watcher.current().byName.get('inventory')?.percent).toBe(30);
      // The snapshot taken before the reload is untouched.
      expect(first.byName.get('inventory')?.percent).toBe(10);

      writeFileSync(file, rulesAt(300));
      expect((await seen.next()).problems?.[0]).toMatchObject({ line: 6, path: '/routes/0/percent' });
      expect(watcher.current().byName.get('inventory')?.percent).toBe(30);

      // Editors save by writing a temporary file and renaming it over the original.
      writeFileSync(`${file}.tmp`, rulesAt(40));
      renameSync(`${file}.tmp`, file);
      expect((await seen.next()).rules?.byName.get('inventory')?.percent).toBe(40);
    } finally {
      watcher.close();
    }
  });

  it('follows a Kubernetes ConfigMap symlink swap', async () => {
    // The kubelet layout: routes.yaml -> ..data/routes.yaml, ..data -> ..<timestamp>/
    const dir = tempDir();
    const version = (name: string, percent: number) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'routes.yaml'), rulesAt(percent));
    };
    version('..v1', 10);
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/routes.yaml', join(dir, 'routes.yaml'));
    const seen = events();
    const watcher = watchRules(join(dir, 'routes.yaml'), { ...seen, debounceMs: 20 });
    try {
      version('..v2', 60);
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      expect((await seen.next()).rules?.byName.get('inventory')?.percent).toBe(60);
    } finally {
      watcher.close();
    }
  });
});
