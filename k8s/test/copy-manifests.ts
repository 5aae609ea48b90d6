// A scratch copy of k8s/base and k8s/overlays that a test can break without touching the real one.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../src/paths.ts';

export interface ManifestCopy {
  dir: string;
  overlay(name: string): string;
  /** Replaces `from` with `to` in one file of the copy; fails when `from` is not there. */
  edit(file: string, from: string | RegExp, to: string): void;
  remove(): void;
}

export function copyManifests(): ManifestCopy {
  const dir = mkdtempSync(join(tmpdir(), 'fig-k8s-'));
  for (const part of ['base', 'overlays'])
    cpSync(join(paths.root, 'k8s', part), join(dir, part), { recursive: true });
  return {
    dir,
    overlay: (name) => join(dir, 'overlays', name),
    edit(file, from, to) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const edited = text.replace(from, to);
      if (edited === text) throw new Error(`${file}: nothing matches ${from}`);
      writeFileSync(path, edited);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
