import type { Manifest } from '../manifest.ts';
import { internalPortName } from './containers.ts';
import { key, type ObjectIndex, selects, type Workload } from './context.ts';

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

const defaultPorts: Record<string, string> = {
  'redis:': '6379',
  'rediss:': '6379',
  'postgres:': '5432',
  'postgresql:': '5432',
  'http:': '80',
};

/** Whether the namespace's policies let pods labelled `from` reach pods labelled `to` on one of `ports`. */
function admitted(
  policies: Manifest[],
  namespace: string,
  from: Record<string, string> | undefined,
  to: Record<string, string> | undefined,
  ports: (string | number)[],
): boolean {
  const selecting = policies.filter((policy) => {
    const spec = policy.spec as PolicySpec;
    return (
      (policy.metadata.namespace ?? 'default') === namespace &&
      (spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selectorMatches(spec.podSelector ?? {}, to)
    );
  });
  // No policy selects the pod: Kubernetes lets everything in.
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    ((policy.spec as PolicySpec).ingress ?? []).some(
      (rule) =>
        (!rule.ports?.length || rule.ports.some((p) => p.port !== undefined && ports.includes(p.port))) &&
        (!rule.from?.length || rule.from.some((peer) => peerAdmits(peer, from, namespace))),
    ),
  );
}

/**
 * Every address a deployable's env names inside the namespace (Redis, PostgreSQL, HTTP) is
 * one its NetworkPolicies let it reach: a variable the pod needs but may not use would only
 * show as timeouts at run time.
 */
export function connectionProblems(
  workload: Workload,
  resolved: Record<string, string>,
  byKey: ObjectIndex,
  workloads: Workload[],
): string[] {
  const namespace = workload.manifest.metadata.namespace ?? 'default';
  const policies = [...byKey.values()].filter((m) => m.kind === 'NetworkPolicy');
  const problems: string[] = [];
  for (const [variable, value] of Object.entries(resolved)) {
    // Addresses to connect to end in _URL; others (AUTH_ISSUER) only name a party.
    if (!variable.endsWith('_URL') || !/^(rediss?|postgres(ql)?|http):\/\/[^,\s]+$/.test(value)) continue;
    const url = new URL(value);
    const service = byKey.get(key('Service', workload.manifest.metadata.namespace, url.hostname));
    if (!service) continue;
    const spec = service.spec as {
      selector?: Record<string, string>;
      ports?: { port: number; targetPort?: string | number }[];
    };
    const port = url.port || defaultPorts[url.protocol];
    const servicePort = spec.ports?.find((p) => String(p.port) === port);
    if (!servicePort) continue;
    const target = servicePort.targetPort ?? servicePort.port;
    for (const peer of workloads.filter((w) => selects(spec.selector, w.template.metadata?.labels))) {
      const containerPorts = (peer.template.spec.containers ?? []).flatMap((c) => c.ports ?? []);
      const named = containerPorts.find((p) => p.name === target || p.containerPort === Number(target));
      const ports = [target, ...(named ? [named.containerPort, ...(named.name ? [named.name] : [])] : [])];
      if (
        !admitted(
          policies,
          namespace,
          workload.template.metadata?.labels,
          peer.template.metadata?.labels,
          ports,
        )
      )
        problems.push(
          `${workload.where}: ${variable} is ${value}, but no NetworkPolicy lets it reach ${peer.where} on ${target}`,
        );
    }
  }
  return problems;
}
