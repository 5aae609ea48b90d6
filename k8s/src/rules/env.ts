// Rules for the env each container starts with, checked against its deployable's own env
// schema: only variables it reads, values it accepts, addresses the cluster answers, and
// config files from ConfigMaps rather than the image's local copies.
import { parseSubgraphUrls } from '@fig/federation/stack-subgraphs';
import { clusterUrl } from '../cluster-files.ts';
import type { DeployableEnv } from '../deployable-env.ts';
import { buildArgsFor, readDockerfile } from '../dockerfile.ts';
import type { Container } from '../manifest.ts';
import { remoteSubgraphs } from '../remote-subgraphs.ts';
import { key, type ObjectIndex, type Workload } from './context.ts';

/** The env a container starts with: the image's, then envFrom, then env (later wins). */
export function resolvedEnv(workload: Workload, container: Container, byKey: ObjectIndex) {
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
function reachable(url: string, workload: Workload, byKey: ObjectIndex): boolean {
  const { hostname, port } = new URL(url);
  if (hostname.includes('.') && !/^[\d.]+$/.test(hostname)) return true;
  const service = byKey.get(key('Service', workload.manifest.metadata.namespace, hostname));
  const ports = (service?.spec as { ports?: { port: number }[] } | undefined)?.ports ?? [];
  return ports.some((p) => String(p.port) === (port || '80'));
}

export function envProblems(
  workload: Workload,
  container: Container,
  env: DeployableEnv,
  byKey: ObjectIndex,
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
    problems.push(`${at}: PORT ${port} differs from the documented port ${workload.deployable?.port}`);
  }
  if (env.reads.has('INTERNAL_PORT'))
    problems.push(...internalListenerProblems(at, workload, container, resolved));
  return problems;
}

/**
 * The internal listener (health, metrics, subgraph, /internal) as the pod starts it: on the
 * documented internal port, which the container declares, and on the pod's address, since the
 * kubelet's probes and the BFFs come from outside the pod (NetworkPolicies keep the rest out).
 */
function internalListenerProblems(
  at: string,
  workload: Workload,
  container: Container,
  resolved: Record<string, string>,
): string[] {
  const problems: string[] = [];
  const port = resolved.INTERNAL_PORT;
  const expected = String(workload.deployable?.internalPort);
  if (port !== expected) {
    problems.push(
      `${at}: INTERNAL_PORT ${port ?? '(unset)'} differs from the documented internal port ${expected}`,
    );
  } else if (!container.ports?.some((p) => String(p.containerPort) === port)) {
    problems.push(`${at}: INTERNAL_PORT ${port} is not one of the container's ports`);
  }
  const host = resolved.INTERNAL_HOST ?? '127.0.0.1';
  if (/^(127\.|localhost$|::1$)/.test(host)) {
    problems.push(
      `${at}: INTERNAL_HOST ${host} is loopback, so probes, scrapes and subgraph calls never arrive`,
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

export function configFileProblems(
  workload: Workload,
  container: Container,
  env: DeployableEnv,
  byKey: ObjectIndex,
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
export function subgraphProblems(
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
