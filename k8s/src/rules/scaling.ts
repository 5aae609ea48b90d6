import type { Manifest } from '../manifest.ts';
import { key, type ObjectIndex, selects, type Workload } from './context.ts';

const scaleTarget = (m: Manifest) =>
  (m.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
const budgetSelector = (m: Manifest) =>
  (m.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;

/** Autoscalers and disruption budgets point at real workloads, and the gateway has both. */
export function scalingProblems(manifests: Manifest[], workloads: Workload[], byKey: ObjectIndex): string[] {
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

/**
 * A service without DATABASE_URL keeps its data in a SQLite file of its own pod: a second
 * replica would be a second, diverging copy. Several replicas (or an autoscaler) need the
 * shared PostgreSQL database (docs/data-consistency.md).
 */
export function sharedDataProblems(
  workload: Workload,
  env: Record<string, string>,
  byKey: ObjectIndex,
): string[] {
  if (env.DATABASE_URL) return [];
  const { name, namespace } = workload.manifest.metadata;
  const replicas = (workload.manifest.spec as { replicas?: number }).replicas ?? 1;
  const scaled = [...byKey.values()].some(
    (m) =>
      m.kind === 'HorizontalPodAutoscaler' &&
      m.metadata.namespace === namespace &&
      scaleTarget(m).name === name,
  );
  if (replicas <= 1 && !scaled) return [];
  return [
    `${workload.where}: ${scaled ? 'an autoscaler scales it' : `${replicas} replicas`}, but without DATABASE_URL each pod keeps its own SQLite data`,
  ];
}
