import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatProblem, loadRulesFile } from './parse.ts';
import type { CompiledRules, RuleProblem } from './types.ts';

export interface WatchOptions {
  onReload?(rules: CompiledRules, previous: CompiledRules): void;
  onError?(problems: RuleProblem[]): void;
  /** Quiet time after the last change before reading; editors and ConfigMaps write in bursts. */
  debounceMs?: number;
}

export interface RulesWatcher {
  current(): CompiledRules;
  close(): void;
}

export class RulesError extends Error {
  readonly problems: RuleProblem[];
  constructor(problems: RuleProblem[]) {
    super(`invalid routing rules:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'RulesError';
    this.problems = problems;
  }
}

/**
 * Loads the rules (throws RulesError when the file is invalid) and keeps them current.
 * It watches the file's directory, not the file: editors replace files by rename and a
 * Kubernetes ConfigMap swaps its `..data` symlink, both of which a watch on the old inode
 * would miss. A changed file is parsed, validated and compiled off to the side, then swapped
 * in with one assignment; an invalid one changes nothing. Callers take `current()` once per
 * request, so a request finishes on the rules it started with.
 */
export function watchRules(path: string, options: WatchOptions = {}): RulesWatcher {
  const initial = loadRulesFile(path);
  if (!initial.ok) throw new RulesError(initial.problems);
  let active = initial.rules;
  let timer: NodeJS.Timeout | undefined;
  const file = basename(path);

  const reload = () => {
    timer = undefined;
    const result = loadRulesFile(path);
    if (!result.ok) {
      options.onError?.(result.problems);
      return;
    }
    if (result.rules.version === active.version) return;
    const previous = active;
    active = result.rules;
    options.onReload?.(active, previous);
  };

  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
    // Unknown names (some platforms) and the ConfigMap's `..data` swap may concern our file.
    if (changed !== null && changed !== file && !changed.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(reload, options.debounceMs ?? 100);
  });

  return {
    current: () => active,
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
