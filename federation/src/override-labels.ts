import type { Requester } from '@fig/routing-rules';

// Who is asking is what the gateway's sticky routing takes: one type, the routing engine's.
export type { Requester };

/**
 * Decides override labels for a requester. The BFFs back this with @fig/routing-rules
 * (watchOverrideLabels), so labels follow routes.yaml exactly as the gateway does.
 */
export interface OverrideDecisions {
  decide(label: string, who: Requester): boolean;
  /** The version of the rules decisions follow now (shown as a metric). */
  version(): string;
  close(): void;
}

export interface OverrideEvents {
  onReload(version: string): void;
  onError(problems: unknown): void;
}

/** The label decisions for a request, plus a compact key naming the combination for plan caching. */
export function resolveLabels(labels: readonly string[], decisions: OverrideDecisions, who: Requester) {
  const conditions = new Map<string, boolean>();
  let key = '';
  for (const label of labels) {
    const on = decisions.decide(label, who);
    conditions.set(label, on);
    key += on ? '1' : '0';
  }
  return { conditions, key };
}
