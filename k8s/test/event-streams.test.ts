import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../src/kustomize.ts';
import type { Container, Manifest } from '../src/manifest.ts';
import { paths } from '../src/paths.ts';
import { selectorMatches } from '../src/rules/network-policies.ts';

// The event streams in the cluster (docs/events.md): checkout appends order events to Redis,
// the monolith consumes them. Each overlay must let both reach Redis (and nobody else but the
// gateway), point both at it, and keep the streams when the Redis pod restarts.
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: {
    containers: Container[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
}
type Workload = Manifest & { spec: { template: PodTemplate } };
interface Policy {
  spec: {
    podSelector?: { matchLabels?: Record<string, string> };
    ingress?: {
      from?: { podSelector?: { matchLabels?: Record<string, string> } }[];
      ports?: { port?: unknown }[];
    }[];
  };
}

const overlays = ['dev', 'prod'];

function rendered(overlay: string) {
  const { manifests } = render(join(paths.overlays, overlay), { secretExamples: true });
  const workload = (name: string) =>
    manifests.find(
      (manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === name,
    ) as Workload;
  const policies = manifests.filter((manifest) => manifest.kind === 'NetworkPolicy') as unknown as Policy[];
  return { manifests, workload, policies };
}

/** Whether any policy selecting `target`'s pods lets `caller`'s pods in on the `redis` port. */
function admits(policies: Policy[], target: Workload, caller: Workload) {
  const targetLabels = target.spec.template.metadata?.labels;
  const callerLabels = caller.spec.template.metadata?.labels;
  return policies
    .filter((policy) => selectorMatches(policy.spec.podSelector ?? {}, targetLabels))
    .some((policy) =>
      (policy.spec.ingress ?? []).some(
        (rule) =>
          (rule.ports ?? []).some((port) => port.port === 'redis' || port.port === 6379) &&
          (rule.from ?? []).some((peer) => selectorMatches(peer.podSelector ?? {}, callerLabels)),
      ),
    );
}

const envOf = (workload: Workload, name: string) =>
  workload.spec.template.spec.containers[0].env?.find((variable) => variable.name === name)?.value;

describe.each(overlays)('the event streams in overlay %s', (overlay) => {
  const { manifests, workload, policies } = rendered(overlay);
  const redis = workload('redis');

  it('lets checkout and the monolith reach Redis, besides the gateway and the BFFs; not payment or inventory', () => {
    for (const caller of ['checkout', 'monolith', 'gateway', 'bff-web', 'bff-mobile']) {
      expect(admits(policies, redis, workload(caller)), caller).toBe(true);
    }
    for (const outsider of ['payment', 'inventory']) {
      expect(admits(policies, redis, workload(outsider)), outsider).toBe(false);
    }
  });

  it('points checkout and the monolith at the Redis Service', () => {
    const service = manifests.find(
      (manifest) => manifest.kind === 'Service' && manifest.metadata.name === 'redis',
    );
    expect(service).toBeDefined();
    for (const name of ['checkout', 'monolith'])
      expect(envOf(workload(name), 'REDIS_URL')).toBe('redis://redis:6379');
  });

  it('keeps the streams across a restart: an fsynced append-only file on a claim', () => {
    const args = (redis.spec.template.spec.containers[0] as Container & { args?: string[] }).args ?? [];
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    expect(args[args.indexOf('--appendfsync') + 1]).toBe('always');
    const data = redis.spec.template.spec.volumes?.find((volume) => volume.name === 'data');
    const claim = data?.persistentVolumeClaim?.claimName;
    expect(claim).toBeDefined();
    expect(
      manifests.some(
        (manifest) => manifest.kind === 'PersistentVolumeClaim' && manifest.metadata.name === claim,
      ),
    ).toBe(true);
  });
});
