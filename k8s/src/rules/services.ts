// Rules for Services and the routes ConfigMap: every Service selects pods and targets
// their ports, and every upstream of the routing rules is a Service on the right port.
import { parseRules } from '@fig/routing-rules';
import type { Manifest } from '../manifest.ts';
import { selects, type Workload } from './context.ts';

export function serviceProblems(service: Manifest, workloads: Workload[]): string[] {
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

export function routingProblems(configMap: Manifest, services: Manifest[]): string[] {
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
