// Fig's own rules for rendered manifests, beyond the Kubernetes schemas: what makes a pod
// safe to run and to stop, and every name one object uses for another actually exists.
import { parseSubgraphUrls } from '@fig/common/federation/stack-subgraphs';
import { parseRules } from '@fig/routing-rules';
import { clusterUrl } from './cluster-files.ts';
import { type Deployable, stack } from '../../scripts/stack.ts';
import { remoteSubgraphs } from './remote-subgraphs.ts';
import type { DeployableEnv } from './deployable-env.ts';
import { buildArgsFor, readDockerfile } from './dockerfile.ts';
import {
  type Container,
  containersOf,
  type Manifest,
  type PodTemplate,
  podTemplateOf,
  referencesOf,
} from './manifest.ts';

/** How long `serve` (common/src/shutdown.ts) lets in-flight requests finish after SIGTERM. */
export const drainBudgetSeconds = 10;

export interface RuleContext {
  /** Each deployable's env schema, by stack name; without it, env is not checked. */
  env?: Map<string, DeployableEnv>;
}

interface Workload {
  manifest: Manifest;
  template: PodTemplate;
  where: string;
  /** The stack deployable this workload runs, if it runs one. */
  deployable?: Deployable;
}

function key(kind: string, namespace: string | undefined, name: string) {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  return (
    !!selector &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels?.[k] === v)
  );
}

function imageTagProblem(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const tag = /:([^:/]+)$/.exec(image)?.[1];
  if (!tag) return `image ${image} has no tag (that means latest)`;
  if (tag === 'latest') return `image ${image} uses the latest tag`;
  return undefined;
}

function containerProblems(workload: Workload, container: Container): string[] {
  const problems: string[] = [];
  const at = `${workload.where} container ${container.name}`;
  const pod = workload.template.spec;
  const portNames = new Set((container.ports ?? []).map((p) => p.name).filter(Boolean));
  const tag = imageTagProblem(container.image);
  if (tag) problems.push(`${at}: ${tag}`);

  for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
    if (!container[probe]) problems.push(`${at}: no ${probe}`);
  }
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
    const check = container[probe]?.httpGet ?? container[probe]?.tcpSocket;
    if (check && typeof check.port === 'string' && !portNames.has(check.port)) {
      problems.push(`${at}: ${probe} uses port ${check.port}, which the container does not name`);
    }
    const path = container[probe]?.httpGet?.path;
    if (workload.deployable && path !== undefined && !path.startsWith('/health/')) {
      problems.push(`${at}: ${probe} checks ${path}, not a /health endpoint`);
    }
  }

  for (const side of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (!container.resources?.[side]?.[resource]) problems.push(`${at}: no ${resource} ${side}`);
    }
  }

  const security = container.securityContext ?? {};
  if (!(security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problems.push(`${at}: not runAsNonRoot`);
  if (security.allowPrivilegeEscalation !== false)
    problems.push(`${at}: allowPrivilegeEscalation is not false`);
  if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
  if (!security.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);

  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume) problems.push(`${at}: mounts volume ${mount.name}, which the pod does not define`);
    // A subPath mount is a copy the kubelet never updates, so hot reload would silently stop.
    else if (volume.configMap && mount.subPath) {
      problems.push(`${at}: mounts ConfigMap volume ${mount.name} with subPath, so updates never arrive`);
    }
  }
  return problems;
}

function gracefulStopProblems(workload: Workload, container: Container): string[] {
  const at = `${workload.where} container ${container.name}`;
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return [`${at}: no preStop, so it can get traffic after SIGTERM`];
  const command = preStop.exec?.command;
  const pause = preStop.sleep?.seconds ?? (command?.[0] === 'sleep' ? Number(command[1]) : NaN);
  if (!Number.isFinite(pause)) return [`${at}: preStop should pause (sleep N) before SIGTERM`];
  const grace = workload.template.spec.terminationGracePeriodSeconds ?? 30;
  if (grace < pause + drainBudgetSeconds) {
    return [
      `${at}: terminationGracePeriodSeconds ${grace} < preStop ${pause}s + drain ${drainBudgetSeconds}s`,
    ];
  }
  return [];
}

/** The env a container starts with: the image's, then envFrom, then env (later wins). */
function resolvedEnv(workload: Workload, container: Container, byKey: Map<string, Manifest>) {
  const namespace = workload.manifest.metadata.namespace;
  const data = (kind: string, name: string) =>
    (byKey.get(key(kind, namespace, name))?.data as Record<string, string> | undefined) ?? {};
  const decode = (value: string | undefined) =>
    value === undefined ? undefined : Buffer.from(value, 'base64').toString();
  const env: Record<string, string> = workload.deployable
    ? readDockerfile(undefined, buildArgsFor(workload.deployable)).runtimeEnv
    : {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, data('ConfigMap', source.configMapRef.name));
    if (source.secretRef) {
      for (const [name, value] of Object.entries(data('Secret', source.secretRef.name)))
        env[name] = decode(value)!;
    }
  }
  for (const variable of container.env ?? []) {
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
    const value =
      variable.value ??
      (configMapKeyRef ? data('ConfigMap', configMapKeyRef.name!)[configMapKeyRef.key!] : undefined) ??
      (secretKeyRef ? decode(data('Secret', secretKeyRef.name!)[secretKeyRef.key!]) : undefined);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/**
 * Whether a pod can call `url`: a Service of the namespace on that port, or a name outside
 * the cluster. 127.0.0.1 is the pod itself, where no other deployable runs.
 */
function reachable(url: string, workload: Workload, byKey: Map<string, Manifest>): boolean {
  const { hostname, port } = new URL(url);
  if (hostname.includes('.') && !/^[\d.]+$/.test(hostname)) return true;
  const service = byKey.get(key('Service', workload.manifest.metadata.namespace, hostname));
  const ports = (service?.spec as { ports?: { port: number }[] } | undefined)?.ports ?? [];
  return ports.some((p) => String(p.port) === (port || '80'));
}

function envProblems(
  workload: Workload,
  container: Container,
  env: DeployableEnv,
  byKey: Map<string, Manifest>,
  resolved: Record<string, string>,
): string[] {
  const at = `${workload.where} container ${container.name}`;
  const dir = workload.deployable?.dir;
  const problems: string[] = [];
  for (const variable of container.env ?? []) {
    if (!env.reads.has(variable.name))
      problems.push(`${at}: sets ${variable.name}, which ${dir} does not read`);
  }
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = name
      ? byKey.get(key('ConfigMap', workload.manifest.metadata.namespace, name))
      : undefined;
    for (const variable of Object.keys((configMap?.data as object | undefined) ?? {})) {
      if (!env.reads.has(variable))
        problems.push(`${at}: gets ${variable} from ConfigMap ${name}, which ${dir} does not read`);
    }
  }
  const { config, problems: refused } = env.load(resolved);
  for (const problem of refused) problems.push(`${at}: ${dir} would refuse its env: ${problem}`);
  for (const [variable, value] of Object.entries(config ?? {})) {
    const unreachable =
      typeof value === 'string' && /^https?:\/\//.test(value) && !reachable(value, workload, byKey);
    if (unreachable) problems.push(`${at}: ${variable} is ${value}, which nothing in the cluster answers`);
  }
  const port = container.env?.find((v) => v.name === 'PORT')?.value;
  if (port !== undefined && !container.ports?.some((p) => String(p.containerPort) === port)) {
    problems.push(`${at}: PORT ${port} is not one of the container's ports`);
  }
  if (port !== undefined && port !== String(workload.deployable?.port)) {
    problems.push(`${at}: PORT ${port} differs from the DESIGN.md port ${workload.deployable?.port}`);
  }
  return problems;
}

function scrapeProblems(workload: Workload): string[] {
  const annotations = workload.template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true')
    return [`${workload.where}: no prometheus.io/scrape annotation`];
  const port = annotations['prometheus.io/port'];
  const ports = workload.template.spec.containers.flatMap((c) => c.ports ?? []);
  if (!ports.some((p) => String(p.containerPort) === port)) {
    return [`${workload.where}: prometheus.io/port ${port} is not a container port`];
  }
  return [];
}

function routingProblems(configMap: Manifest, services: Manifest[]): string[] {
  const at = `ConfigMap ${configMap.metadata.name}`;
  const text = (configMap.data as Record<string, string> | undefined)?.['routes.yaml'];
  if (text === undefined) return [`${at}: has no routes.yaml`];
  const result = parseRules(text, `${at}/routes.yaml`);
  if (!result.ok) return result.problems.map((p) => `${at}: routes.yaml ${p.message} (at ${p.path})`);
  const problems: string[] = [];
  for (const upstream of result.rules.upstreams.values()) {
    const url = new URL(upstream.url);
    const service = services.find(
      (s) => s.metadata.name === url.hostname && s.metadata.namespace === configMap.metadata.namespace,
    );
    const ports = ((service?.spec as { ports?: { port: number }[] } | undefined)?.ports ?? []).map((p) =>
      String(p.port),
    );
    if (!service)
      problems.push(
        `${at}: upstream ${upstream.name} points at ${url.host}, but there is no Service ${url.hostname}`,
      );
    else if (!ports.includes(url.port))
      problems.push(
        `${at}: upstream ${upstream.name} uses port ${url.port}, Service ${url.hostname} exposes ${ports.join(', ')}`,
      );
  }
  return problems;
}

/**
 * Config files an image carries address their peers on 127.0.0.1, so in a cluster a
 * deployable that reads one of these must get it from a ConfigMap (mounted as a directory,
 * which keeps hot reload working), generated with cluster Service names.
 */
const clusterConfigFiles: Record<string, string> = { ROUTING_RULES: 'routes.yaml' };

function configFileProblems(
  workload: Workload,
  container: Container,
  env: DeployableEnv,
  byKey: Map<string, Manifest>,
): string[] {
  const at = `${workload.where} container ${container.name}`;
  const problems: string[] = [];
  for (const [variable, file] of Object.entries(clusterConfigFiles)) {
    if (!env.reads.has(variable)) continue;
    const path = container.env?.find((v) => v.name === variable)?.value;
    const mount = container.volumeMounts?.find((m) => path?.startsWith(`${m.mountPath}/`));
    const volume = workload.template.spec.volumes?.find((v) => v.name === mount?.name);
    const configMap = volume?.configMap
      ? byKey.get(key('ConfigMap', workload.manifest.metadata.namespace, volume.configMap.name))
      : undefined;
    if (!path || !configMap) {
      problems.push(
        `${at}: ${variable} must name ${file} in a mounted ConfigMap, not the image's local copy`,
      );
    } else if (!(path.slice(mount!.mountPath.length + 1) in ((configMap.data as object | undefined) ?? {}))) {
      problems.push(`${at}: ${variable}=${path}, but ConfigMap ${configMap.metadata.name} has no such key`);
    }
  }
  return problems;
}

/**
 * A BFF's checked-in supergraph addresses each subgraph on 127.0.0.1; in a cluster,
 * SUBGRAPH_URLS must move every one of them to its Service.
 */
function subgraphProblems(
  workload: Workload,
  container: Container,
  resolved: Record<string, string>,
): string[] {
  const at = `${workload.where} container ${container.name}`;
  const given = parseSubgraphUrls(resolved.SUBGRAPH_URLS);
  return remoteSubgraphs(workload.deployable!.dir)
    .filter(({ name, url }) => given[name] !== clusterUrl(url))
    .map(
      ({ name, url }) =>
        `${at}: SUBGRAPH_URLS sends subgraph ${name} to ${given[name] ?? url}, expected ${clusterUrl(url)}`,
    );
}

function networkPolicyProblems(manifests: Manifest[]): string[] {
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

function workloadsOf(manifests: Manifest[]): Workload[] {
  return manifests.flatMap((manifest) => {
    const template = podTemplateOf(manifest);
    if (!template) return [];
    const name = template.metadata?.labels?.['app.kubernetes.io/name'];
    const deployable = stack.find((d) => d.name === name);
    return [{ manifest, template, where: `${manifest.kind} ${manifest.metadata.name}`, deployable }];
  });
}

function workloadProblems(workload: Workload, byKey: Map<string, Manifest>, context: RuleContext): string[] {
  const problems: string[] = [];
  const { spec } = workload.template;
  for (const container of containersOf(spec)) {
    problems.push(...containerProblems(workload, container));
    if (!workload.deployable) continue;
    problems.push(...gracefulStopProblems(workload, container));
    const env = context.env?.get(workload.deployable.name);
    if (env) {
      const resolved = resolvedEnv(workload, container, byKey);
      problems.push(...envProblems(workload, container, env, byKey, resolved));
      problems.push(...configFileProblems(workload, container, env, byKey));
      if (env.reads.has('SUBGRAPH_URLS')) problems.push(...subgraphProblems(workload, container, resolved));
    }
  }
  if (workload.deployable) problems.push(...scrapeProblems(workload));
  for (const reference of referencesOf(spec)) {
    const target = byKey.get(key(reference.kind, workload.manifest.metadata.namespace, reference.name));
    const at = `${workload.where} ${reference.where}: ${reference.kind} ${reference.name}`;
    if (!target) problems.push(`${at} does not exist`);
    else if (reference.key && !(reference.key in ((target.data as object | undefined) ?? {}))) {
      problems.push(`${at} has no key ${reference.key}`);
    }
  }
  return problems;
}

function serviceProblems(service: Manifest, workloads: Workload[]): string[] {
  const spec = service.spec as {
    selector?: Record<string, string>;
    ports?: { port: number; targetPort?: number | string }[];
  };
  const backing = workloads.filter(
    (w) =>
      w.manifest.metadata.namespace === service.metadata.namespace &&
      selects(spec.selector, w.template.metadata?.labels),
  );
  if (backing.length === 0) return [`Service ${service.metadata.name}: its selector matches no pods`];
  const ports = backing.flatMap((w) => w.template.spec.containers.flatMap((c) => c.ports ?? []));
  return (spec.ports ?? [])
    .map((port) => port.targetPort ?? port.port)
    .filter((target) => !ports.some((p) => p.name === target || p.containerPort === target))
    .map((target) => `Service ${service.metadata.name}: targetPort ${target} is not a port of its pods`);
}

const scaleTarget = (m: Manifest) =>
  (m.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
const budgetSelector = (m: Manifest) =>
  (m.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;

/** Autoscalers and disruption budgets point at real workloads, and the gateway has both. */
function scalingProblems(
  manifests: Manifest[],
  workloads: Workload[],
  byKey: Map<string, Manifest>,
): string[] {
  const problems: string[] = [];
  const autoscalers = manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler');
  const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
  for (const autoscaler of autoscalers) {
    const { kind, name } = scaleTarget(autoscaler);
    if (!byKey.has(key(kind, autoscaler.metadata.namespace, name))) {
      problems.push(`HorizontalPodAutoscaler ${autoscaler.metadata.name}: ${kind} ${name} does not exist`);
    }
  }
  for (const budget of budgets) {
    if (!workloads.some((w) => selects(budgetSelector(budget), w.template.metadata?.labels))) {
      problems.push(`PodDisruptionBudget ${budget.metadata.name}: its selector matches no pods`);
    }
  }
  const gateway = workloads.find((w) => w.deployable?.name === 'gateway');
  if (gateway && !autoscalers.some((a) => scaleTarget(a).name === gateway.manifest.metadata.name)) {
    problems.push('the gateway has no HorizontalPodAutoscaler');
  }
  if (gateway && !budgets.some((b) => selects(budgetSelector(b), gateway.template.metadata?.labels))) {
    problems.push('the gateway has no PodDisruptionBudget');
  }
  return problems;
}

/** Every problem with a rendered overlay, as readable lines; empty when it is sound. */
export function ruleProblems(manifests: Manifest[], context: RuleContext = {}): string[] {
  const byKey = new Map(manifests.map((m) => [key(m.kind, m.metadata.namespace, m.metadata.name), m]));
  const workloads = workloadsOf(manifests);
  const services = manifests.filter((m) => m.kind === 'Service');
  const routing = manifests.filter(
    (m) => m.kind === 'ConfigMap' && Object.hasOwn((m.data as object | undefined) ?? {}, 'routes.yaml'),
  );
  return [
    ...workloads.flatMap((workload) => workloadProblems(workload, byKey, context)),
    ...stack
      .filter((d) => !workloads.some((w) => w.deployable === d))
      .map((d) => `no workload runs ${d.name}`),
    ...services.flatMap((service) => serviceProblems(service, workloads)),
    ...scalingProblems(manifests, workloads, byKey),
    ...routing.flatMap((configMap) => routingProblems(configMap, services)),
    ...networkPolicyProblems(manifests),
  ];
}
