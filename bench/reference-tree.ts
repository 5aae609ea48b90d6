// A reference build for a benchmark: another commit of this repository checked out as a
// detached git worktree outside it, sharing this checkout's installed packages, so one run can
// measure "before" and "after" side by side on the same machine in the same minutes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();

export interface ReferenceTree {
  /** The commit checked out. */
  commit: string;
  /** Its root directory (gateway/src/main.ts etc. below it). */
  dir: string;
  remove(): void;
}

/**
 * `commit` (default: where this branch left main) in a temporary worktree. Its node_modules
 * links to this checkout's packages, except the workspace packages (@fig/*), which point at the
 * reference's own copies: the reference runs its own code on the same third-party packages.
 */
export function checkoutReference(
  commit = process.env.BENCH_REFERENCE ?? git('merge-base', 'HEAD', 'main'),
): ReferenceTree {
  const resolved = git('rev-parse', '--verify', `${commit}^{commit}`);
  const dir = join(mkdtempSync(join(tmpdir(), 'fig-bench-reference-')), 'tree');
  git('worktree', 'add', '--detach', '--force', dir, resolved);
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@fig'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@fig') symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  for (const name of readdirSync(join(root, 'node_modules', '@fig'))) {
    // `../../gateway`: the same place relative to the reference's root.
    const target = readlinkSync(join(root, 'node_modules', '@fig', name));
    const inReference = resolve(join(modules, '@fig'), target);
    symlinkSync(inReference, join(modules, '@fig', name));
  }
  return {
    commit: resolved,
    dir,
    remove() {
      git('worktree', 'remove', '--force', dir);
      rmSync(dirname(dir), { recursive: true, force: true });
    },
  };
}
