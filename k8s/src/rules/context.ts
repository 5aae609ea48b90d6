// What every rule works on: the rendered objects indexed by kind, namespace and name, and
// the workloads (objects with a pod template) with the deployable each one runs.
import { type Deployable, stack } from '../../../scripts/stack.ts';
import type { DeployableEnv } from '../deployable-env.ts';
import { type Manifest, type PodTemplate, podTemplateOf } from '../manifest.ts';

export interface RuleContext {
  /** Each deployable's env schema, by stack name; without it, env is not checked. */
  env?: Map<string, DeployableEnv>;
}

export interface Workload {
  manifest: Manifest;
  template: PodTemplate;
  where: string;
  /** The stack deployable this workload runs, if it runs one. */
  deployable?: Deployable;
}

export type ObjectIndex = Map<string, Manifest>;

export function key(kind: string, namespace: string | undefined, name: string) {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) {
  return (
    !!selector &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels?.[k] === v)
  );
}

export function workloadsOf(manifests: Manifest[]): Workload[] {
  return manifests.flatMap((manifest) => {
    const template = podTemplateOf(manifest);
    if (!template) return [];
    const name = template.metadata?.labels?.['app.kubernetes.io/name'];
    const deployable = stack.find((d) => d.name === name);
    return [{ manifest, template, where: `${manifest.kind} ${manifest.metadata.name}`, deployable }];
  });
}

export function indexObjects(manifests: Manifest[]): ObjectIndex {
  return new Map(manifests.map((m) => [key(m.kind, m.metadata.namespace, m.metadata.name), m]));
}
