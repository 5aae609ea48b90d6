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
