import {
  type CompiledRules,
  formatProblem,
  type RampShare,
  type RuleProblem,
  watchRules,
  withShares,
} from '@fig/routing-rules';
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
  /** The rules requests follow: the file's, with each ramp's share in its route's split. */
  current(): CompiledRules;
  /** Ramps' shares (ramp/ramp-controller.ts), applied to the current rules and every reload. */
  applyShares(shares: ReadonlyMap<string, RampShare>): void;
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
  let shares: ReadonlyMap<string, RampShare> = new Map();
  // Built when the file or a share changes, so a request only reads a variable.
  let effective: CompiledRules;
  const watcher = watchRules(path, {
    onReload(rules, previous) {
      effective = withShares(rules, shares);
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
  effective = withShares(watcher.current(), shares);
  metrics.rulesInfo.set({ version: watcher.current().version }, 1);
  return {
    current: () => effective,
    applyShares(next) {
      shares = next;
      effective = withShares(watcher.current(), shares);
    },
    get loadedAt() {
      return loadedAt;
    },
    lastReload: () => last,
    onSwap: (listener) => listeners.push(listener),
    onReject: (listener) => rejectListeners.push(listener),
    close: () => watcher.close(),
  };
}
