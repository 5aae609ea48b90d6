// Rules for each container of a workload: image, probes, resources, security context,
// volume mounts, a graceful stop, and the scrape annotations of the pod.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, Volume } from '../manifest.ts';
import { paths } from '../paths.ts';
import type { Workload } from './context.ts';

/** How long `serve` (platform/src/shutdown.ts) lets in-flight requests finish after SIGTERM. */
export const drainBudgetSeconds = 10;

/** The container port of a deployable's internal listener (INTERNAL_PORT). */
export const internalPortName = 'internal';

function imageTagProblem(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const tag = /:([^:/]+)$/.exec(image)?.[1];
  if (!tag) return `image ${image} has no tag (that means latest)`;
  if (tag === 'latest') return `image ${image} uses the latest tag`;
  return undefined;
}

/**
 * `fig/<name>` is the image `docker compose build` makes from this tree, tagged with the
 * workspace's version; a manifest that runs it (dev) must ask for that tag. Registry images
 * (prod) name a release and are not tied to the tree.
 */
function localImageProblem(workload: Workload, image: string | undefined): string | undefined {
  const deployable = workload.deployable;
  if (!deployable || !image?.startsWith(`fig/${deployable.name}:`)) return undefined;
  const { version } = JSON.parse(readFileSync(join(paths.root, deployable.dir, 'package.json'), 'utf8'));
  const expected = `fig/${deployable.name}:${version}`;
  return image === expected ? undefined : `image ${image}, but docker compose build makes ${expected}`;
}

export function containerProblems(workload: Workload, container: Container): string[] {
  const problems: string[] = [];
  const at = `${workload.where} container ${container.name}`;
  const pod = workload.template.spec;
  const portNames = new Set((container.ports ?? []).map((p) => p.name).filter(Boolean));
  const tag = imageTagProblem(container.image);
  if (tag) problems.push(`${at}: ${tag}`);
  const local = localImageProblem(workload, container.image);
  if (local) problems.push(`${at}: ${local}`);

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
    // Health answers on the internal port only (the gateway's: admin); the public port has none.
    const port = container.ports?.find((p) => p.name === check?.port || p.containerPort === check?.port);
    const expected = workload.deployable?.internalPort;
    if (check && expected !== undefined && port?.containerPort !== expected) {
      problems.push(
        `${at}: ${probe} asks port ${check.port}, but ${workload.deployable!.name} answers health on ${expected}`,
      );
    }
  }
  // NetworkPolicies and Services name the internal listener's port: it must be there, as `internal`.
  const deployable = workload.deployable;
  if (deployable?.internalPortVariable === 'INTERNAL_PORT') {
    const named = container.ports?.find((p) => p.name === internalPortName);
    if (named?.containerPort !== deployable.internalPort) {
      problems.push(
        `${at}: no port named ${internalPortName} on ${deployable.internalPort} (its INTERNAL_PORT: health, metrics, subgraph)`,
      );
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

  // A StatefulSet's claim templates are volumes of each of its pods too (the pod's own claim).
  const claims = (workload.manifest.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
    .volumeClaimTemplates;
  const volumes = new Map<string, Volume>([
    ...(claims ?? []).map((claim): [string, Volume] => [claim.metadata.name, { name: claim.metadata.name }]),
    ...(pod.volumes ?? []).map((v): [string, Volume] => [v.name, v]),
  ]);
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

export function gracefulStopProblems(workload: Workload, container: Container): string[] {
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

export function scrapeProblems(workload: Workload): string[] {
  const annotations = workload.template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true')
    return [`${workload.where}: no prometheus.io/scrape annotation`];
  const port = annotations['prometheus.io/port'];
  const ports = workload.template.spec.containers.flatMap((c) => c.ports ?? []);
  if (!ports.some((p) => String(p.containerPort) === port)) {
    return [`${workload.where}: prometheus.io/port ${port} is not a container port`];
  }
  // /metrics lives beside /health, on the internal port (the gateway's on its admin port).
  const expected = String(workload.deployable?.internalPort);
  if (workload.deployable && port !== expected) {
    return [
      `${workload.where}: prometheus.io/port ${port}, but ${workload.deployable.name} serves /metrics on ${expected}`,
    ];
  }
  if (annotations['prometheus.io/path'] !== '/metrics')
    return [`${workload.where}: prometheus.io/path is not /metrics`];
  return [];
}
