import { chooseBackend, type CompiledRules, type Requester, stickyBucket } from '@fig/routing-rules';

const percentLabel = /^percent\((\d{1,3}(?:\.\d+)?)\)$/;

/**
 * Decides one override label for one requester. A label naming a route follows that route
 * exactly as the gateway routes REST (same bucket, same percentage), so a user sees one
 * backend over REST and GraphQL. `percent(N)` labels use the same sticky bucket, keyed by
 * the label. Anything else stays with the field's original owner.
 */
export function resolveLabel(label: string, rules: CompiledRules | undefined, who: Requester): boolean {
  const percent = percentLabel.exec(label);
  if (percent) {
    const key = who.subject ?? who.ip;
    return stickyBucket(label, key) < Number(percent[1]) * 100;
  }
  const route = rules?.byName.get(label);
  if (!route) return false;
  return chooseBackend(route, who) === 'service';
}

/** The label decisions for a request, plus a compact key naming the combination for plan caching. */
export function resolveLabels(labels: readonly string[], rules: CompiledRules | undefined, who: Requester) {
  const conditions = new Map<string, boolean>();
  let key = '';
  for (const label of labels) {
    const on = resolveLabel(label, rules, who);
    conditions.set(label, on);
    key += on ? '1' : '0';
  }
  return { conditions, key };
}
