import type { Manifest } from '../manifest.ts';
import { internalPortName } from './containers.ts';
import type { Workload } from './context.ts';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface IngressRule {
  from?: Peer[];
  ports?: { port?: number | string }[];
}

interface PolicySpec {
  podSelector?: LabelSelector;
  ingress?: IngressRule[];
  policyTypes?: string[];
}

/** Whether a label selector selects these labels (an empty selector selects everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  const plain = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    plain &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'In') return key in labels && values.includes(labels[key]);
      if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
      if (operator === 'Exists') return key in labels;
      if (operator === 'DoesNotExist') return !(key in labels);
      return false;
    })
  );
}

/** Whether a peer admits the pods with these labels in the policy's own namespace. */
function peerAdmits(peer: Peer, labels: Record<string, string> | undefined, namespace: string) {
  if (peer.ipBlock) return false;
  // Namespaces are known here only by their automatic name label.
  const namespaceLabels = { 'kubernetes.io/metadata.name': namespace };
  if (peer.namespaceSelector && !selectorMatches(peer.namespaceSelector, namespaceLabels)) return false;
  return selectorMatches(peer.podSelector ?? {}, labels);
}

/** Whether an ingress rule's ports include the internal listener (no ports: every port). */
function admitsInternalPort(rule: IngressRule, internalPort: number) {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => p.port === internalPortName || p.port === internalPort);
}

/**
 * The internal listener (health, metrics, subgraphs, the monolith's /internal) is for Fig's
 * own parts: no policy may let the edge reach it, since a path the edge forwards by mistake
 * would then find a subgraph or /internal behind it.
 */
function internalPortProblems(policy: Manifest, spec: PolicySpec, workloads: Workload[]): string[] {
  const namespace = policy.metadata.namespace;
  const inNamespace = workloads.filter((w) => w.manifest.metadata.namespace === namespace);
  const guarded = inNamespace.filter(
    (w) =>
      w.deployable?.internalPortVariable === 'INTERNAL_PORT' &&
      selectorMatches(spec.podSelector ?? {}, w.template.metadata?.labels),
  );
  const edges = inNamespace.filter((w) => w.deployable?.name === 'gateway');
  const problems: string[] = [];
  for (const target of guarded) {
    for (const rule of spec.ingress ?? []) {
      if (!admitsInternalPort(rule, target.deployable!.internalPort)) continue;
      for (const edge of edges) {
        const labels = edge.template.metadata?.labels;
        const from = rule.from ?? [];
        // No `from` at all admits every source, the gateway included.
        if (from.length === 0 || from.some((peer) => peerAdmits(peer, labels, namespace ?? 'default'))) {
          problems.push(
            `NetworkPolicy ${policy.metadata.name}: lets the ${edge.deployable!.name} reach the ${internalPortName} port of ${target.deployable!.name} (health, metrics, subgraph, /internal)`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * A default-deny ingress policy exists, only the gateway admits traffic from anywhere, and
 * the gateway never reaches a backend's internal port.
 */
export function networkPolicyProblems(manifests: Manifest[], workloads: Workload[] = []): string[] {
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const problems: string[] = [];
  if (
    !policies.some((p) => {
      const spec = p.spec as PolicySpec;
      return (
        Object.keys(spec.podSelector ?? {}).length === 0 &&
        !spec.ingress &&
        spec.policyTypes?.includes('Ingress')
      );
    })
  )
    problems.push('no default-deny ingress NetworkPolicy');
  for (const policy of policies) {
    const spec = policy.spec as PolicySpec;
    const open = (spec.ingress ?? []).some((rule) => !rule.from || rule.from.length === 0);
    if (open && spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'gateway') {
      problems.push(
        `NetworkPolicy ${policy.metadata.name}: admits traffic from anywhere to pods other than the gateway`,
      );
    }
    problems.push(...new Set(internalPortProblems(policy, spec, workloads)));
  }
  return problems;
}
