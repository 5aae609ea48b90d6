import { type CompiledRules, formatProblem, type RuleProblem, watchRules } from '@fig/routing-rules';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from './metrics.ts';

export interface ReloadResult {
  ok: boolean;
  at: string;
  /** The version swapped in (ok) or still active (rejected). */
  version: string;
  problems?: RuleProblem[];
}

/** The active rules, hot-reloaded from a file, with the outcome of the last reload. */
export interface RulesSource {
  current(): CompiledRules;
  readonly loadedAt: string;
  lastReload(): ReloadResult | undefined;
  /** Called after each swap (not for rejected files); used to reconcile pools and breakers. */
  onSwap(listener: (rules: CompiledRules, previous: CompiledRules) => void): void;
  /** Called when a changed file is rejected (the active rules stay); used by the dashboard's event log. */
  onReject(listener: (problems: RuleProblem[]) => void): void;
  close(): void;
}

export function createRulesSource(
  path: string,
  log: FastifyBaseLogger,
  metrics: GatewayMetrics,
): RulesSource {
  const listeners: Array<(rules: CompiledRules, previous: CompiledRules) => void> = [];
  const rejectListeners: Array<(problems: RuleProblem[]) => void> = [];
  let last: ReloadResult | undefined;
  let loadedAt = new Date().toISOString();
  const watcher = watchRules(path, {
    onReload(rules, previous) {
      loadedAt = new Date().toISOString();
      last = { ok: true, at: loadedAt, version: rules.version };
      metrics.reloads.inc({ result: 'ok' });
      metrics.rulesInfo.reset();
      metrics.rulesInfo.set({ version: rules.version }, 1);
      log.info({ version: rules.version, previous: previous.version }, 'routing rules reloaded');
      for (const listener of listeners) listener(rules, previous);
    },
    onError(problems) {
      last = { ok: false, at: new Date().toISOString(), version: watcher.current().version, problems };
      metrics.reloads.inc({ result: 'error' });
      log.error(
        { problems: problems.map(formatProblem) },
        'routing rules rejected, keeping the active rules',
      );
      for (const listener of rejectListeners) listener(problems);
    },
  });
  metrics.rulesInfo.set({ version: watcher.current().version }, 1);
  return {
    current: watcher.current,
    get loadedAt() {
      return loadedAt;
    },
    lastReload: () => last,
    onSwap: (listener) => listeners.push(listener),
    onReject: (listener) => rejectListeners.push(listener),
    close: () => watcher.close(),
  };
}
