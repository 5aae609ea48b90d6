// Fig's own rules for rendered manifests, beyond the Kubernetes schemas: what makes a pod
// safe to run and to stop, and every name one object uses for another actually exists.
import { stack } from '../../scripts/stack.ts';
import { containersOf, type Manifest, referencesOf } from './manifest.ts';
import { containerProblems, gracefulStopProblems, scrapeProblems } from './rules/containers.ts';
import {
  indexObjects,
  key,
  type ObjectIndex,
  type RuleContext,
  type Workload,
  workloadsOf,
} from './rules/context.ts';
import { configFileProblems, envProblems, resolvedEnv, subgraphProblems } from './rules/env.ts';
import { connectionProblems, networkPolicyProblems } from './rules/network-policies.ts';
import { scalingProblems, sharedDataProblems } from './rules/scaling.ts';
import { routingProblems, serviceProblems } from './rules/services.ts';

export type { RuleContext } from './rules/context.ts';

function workloadProblems(
  workload: Workload,
  byKey: ObjectIndex,
  context: RuleContext,
  workloads: Workload[],
): string[] {
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
      problems.push(...connectionProblems(workload, resolved, byKey, workloads));
      problems.push(...configFileProblems(workload, container, env, byKey));
      if (env.reads.has('SUBGRAPH_URLS')) problems.push(...subgraphProblems(workload, container, resolved));
      if (env.reads.has('DATABASE_URL')) problems.push(...sharedDataProblems(workload, resolved, byKey));
    }
  }
  if (workload.deployable) problems.push(...scrapeProblems(workload));
  for (const reference of referencesOf(spec)) {
    const target = byKey.get(key(reference.kind, workload.manifest.metadata.namespace, reference.name));
    const at = `${workload.where} ${reference.where}: ${reference.kind} ${reference.name}`;
    if (!target) problems.push(`${at} does not exist`);
    else if (
      reference.key &&
      !reference.optional &&
      !(reference.key in ((target.data as object | undefined) ?? {}))
    ) {
      problems.push(`${at} has no key ${reference.key}`);
    }
  }
  return problems;
}

/** Every problem with a rendered overlay, as readable lines; empty when it is sound. */
export function ruleProblems(manifests: Manifest[], context: RuleContext = {}): string[] {
  const byKey = indexObjects(manifests);
  const workloads = workloadsOf(manifests);
  const services = manifests.filter((m) => m.kind === 'Service');
  const routing = manifests.filter(
    (m) => m.kind === 'ConfigMap' && Object.hasOwn((m.data as object | undefined) ?? {}, 'routes.yaml'),
  );
  return [
    ...workloads.flatMap((workload) => workloadProblems(workload, byKey, context, workloads)),
    ...stack
      .filter((d) => !workloads.some((w) => w.deployable === d))
      .map((d) => `no workload runs ${d.name}`),
    ...services.flatMap((service) => serviceProblems(service, workloads)),
    ...scalingProblems(manifests, workloads, byKey),
    ...routing.flatMap((configMap) => routingProblems(configMap, services)),
    ...networkPolicyProblems(manifests, workloads),
  ];
}
