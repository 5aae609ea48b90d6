import type { Manifest } from '../manifest.ts';

/** A default-deny ingress policy exists, and only the gateway admits traffic from anywhere. */
export function networkPolicyProblems(manifests: Manifest[]): string[] {
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const problems: string[] = [];
  if (
    !policies.some((p) => {
      const spec = p.spec as { podSelector?: object; ingress?: unknown[]; policyTypes?: string[] };
      return (
        Object.keys(spec.podSelector ?? {}).length === 0 &&
        !spec.ingress &&
        spec.policyTypes?.includes('Ingress')
      );
    })
  )
    problems.push('no default-deny ingress NetworkPolicy');
  for (const policy of policies) {
    const spec = policy.spec as {
      podSelector?: { matchLabels?: Record<string, string> };
      ingress?: { from?: unknown[] }[];
    };
    const open = (spec.ingress ?? []).some((rule) => !rule.from || rule.from.length === 0);
    if (open && spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'gateway') {
      problems.push(
        `NetworkPolicy ${policy.metadata.name}: admits traffic from anywhere to pods other than the gateway`,
      );
    }
  }
  return problems;
}
