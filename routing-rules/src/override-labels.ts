import { type RampShareSource, withShares } from './effective-shares.ts';
import { chooseBackend, type Requester, stickyBucket } from './sticky.ts';
import type { CompiledRules, RuleProblem } from './types.ts';
import { watchRules } from './watch.ts';

const percentLabel = /^percent\((\d{1,3}(?:\.\d+)?)\)$/;

/**
 * Whether a GraphQL field moved with `@override(label:)` is served by its new owner for this
 * requester. A label naming a route follows that route exactly as the gateway routes REST
 * (same sticky key, bucket and percentage), so a user sees one backend over REST and
 * GraphQL. `percent(N)` labels use the same bucket function keyed by the label and the
 * subject (or address). Any other label keeps the field with its original owner.
 */
export function overrideLabelOn(rules: CompiledRules, label: string, who: Requester): boolean {
  const percent = percentLabel.exec(label);
  if (percent) return stickyBucket(label, who.subject ?? who.ip) < Number(percent[1]) * 100;
  const route = rules.byName.get(label);
  return route !== undefined && chooseBackend(route, who) === 'service';
}

export interface OverrideLabels {
  decide(label: string, who: Requester): boolean;
  /** The rules version decisions follow now. */
  version(): string;
  close(): void;
}

/**
 * Override-label decisions that follow a routes.yaml as it changes (see watchRules) and,
 * given `shares`, each ramp's current share, as the gateway applies it: a label follows
 * max(percent, step) of its route, so REST and GraphQL keep agreeing while a ramp moves.
 */
export function watchOverrideLabels(
  path: string,
  events: { onReload?(version: string): void; onError?(problems: RuleProblem[]): void } = {},
  shares?: RampShareSource,
): OverrideLabels {
  let effective: CompiledRules;
  const refresh = () => {
    effective = shares ? withShares(watcher.current(), shares.current()) : watcher.current();
  };
  const watcher = watchRules(path, {
    onReload: (rules) => {
      refresh();
      events.onReload?.(rules.version);
    },
    onError: (problems) => events.onError?.(problems),
  });
  refresh();
  shares?.onChange(refresh);
  return {
    decide: (label, who) => overrideLabelOn(effective, label, who),
    version: () => watcher.current().version,
    close: () => {
      watcher.close();
      shares?.close();
    },
  };
}
