import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stack } from '../../scripts/stack.ts';
import { type DeployableEnv, stackEnv } from '../src/deployable-env.ts';
import { syncProblems } from '../src/cluster-files.ts';
import { checkOverlay, overlayDirs } from '../src/k8s-check.ts';
import { type ManifestCopy, copyManifests } from './copy-manifests.ts';

let env: Map<string, DeployableEnv>;

beforeAll(async () => {
  const probed = await stackEnv(stack);
  expect([...probed.errors.values()]).toEqual([]);
  env = probed.env;
});

describe('the committed overlays', () => {
  it('include dev and prod', () => {
    expect(overlayDirs().map((dir) => dir.split('/').at(-1))).toEqual(
      expect.arrayContaining(['dev', 'prod']),
    );
  });

  for (const dir of overlayDirs()) {
    it(`${dir.split('/').at(-1)} renders, fits the Kubernetes schemas and Fig's rules`, async () => {
      const report = await checkOverlay(dir, { env });
      expect(report.problems).toEqual([]);
      expect(report.objects).toBeGreaterThan(stack.length * 2);
    });
  }

  it('carry the routing rules generated from routing-rules/routes.yaml', () => {
    expect(syncProblems()).toEqual([]);
  });
});

describe('a broken manifest fails the check', () => {
  let copy: ManifestCopy;
  afterEach(() => copy.remove());

  async function problemsAfter(file: string, from: string | RegExp, to: string, overlay = 'dev') {
    copy = copyManifests();
    copy.edit(file, from, to);
    return (await checkOverlay(copy.overlay(overlay), { env })).problems;
  }

  it('starts from a copy that passes', async () => {
    copy = copyManifests();
    expect((await checkOverlay(copy.overlay('prod'), { env })).problems).toEqual([]);
  });

  it('a missing readiness probe', async () => {
    const problems = await problemsAfter('base/gateway.yaml', /readinessProbe:/, 'unusedProbe:');
    expect(problems).toContain('Deployment gateway container gateway: no readinessProbe');
  });

  it("a probe on the gateway's public port, which proxies /health/* to the monolith", async () => {
    const problems = await problemsAfter(
      'base/gateway.yaml',
      'httpGet: { path: /health/ready, port: admin }',
      'httpGet: { path: /health/ready, port: http }',
    );
    expect(problems).toContain(
      'Deployment gateway container gateway: readinessProbe asks port http, but gateway answers health on 9901',
    );
  });

  it("a scrape annotation on the gateway's public port", async () => {
    const problems = await problemsAfter(
      'base/gateway.yaml',
      "prometheus.io/port: '9901'",
      "prometheus.io/port: '8080'",
    );
    expect(problems).toContain(
      'Deployment gateway: prometheus.io/port 8080, but gateway serves /metrics on 9901',
    );
  });

  it('a latest image tag', async () => {
    const problems = await problemsAfter('base/redis.yaml', 'redis:7.4-alpine', 'redis:latest');
    expect(problems).toContain('Deployment redis container redis: image redis:latest uses the latest tag');
  });

  it('a local image other than the one docker compose builds', async () => {
    const problems = await problemsAfter(
      'base/payment.yaml',
      'image: fig/payment:0.1.0',
      'image: fig/payment:0.0.9',
    );
    expect(problems).toContain(
      'Deployment payment container payment: image fig/payment:0.0.9, but docker compose build makes fig/payment:0.1.0',
    );
  });

  it('an image without a tag', async () => {
    const problems = await problemsAfter('base/redis.yaml', 'redis:7.4-alpine', 'redis');
    expect(problems).toContain(
      'Deployment redis container redis: image redis has no tag (that means latest)',
    );
  });

  it('a dangling ConfigMap reference', async () => {
    const problems = await problemsAfter(
      'base/gateway.yaml',
      'configMap: { name: fig-routing }',
      'configMap: { name: fig-routes }',
    );
    expect(problems).toContain('Deployment gateway volume routing: ConfigMap fig-routes does not exist');
  });

  it('a claim nobody defines', async () => {
    const problems = await problemsAfter(
      'overlays/prod/data-volumes.yaml',
      'name: payment-data',
      'name: payments-data',
      'prod',
    );
    expect(problems).toContain(
      'Deployment payment volume data: PersistentVolumeClaim payment-data does not exist',
    );
  });

  it('a Secret key nobody generates', async () => {
    const problems = await problemsAfter('base/gateway.yaml', 'key: ADMIN_TOKEN', 'key: ADMIN_PASSWORD');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Deployment gateway container gateway env ADMIN_TOKEN: Secret fig-secrets-\w+ has no key ADMIN_PASSWORD$/,
        ),
      ]),
    );
  });

  it('a missing limit, a writable root filesystem and privilege escalation', async () => {
    copy = copyManifests();
    copy.edit('base/payment.yaml', 'limits: { cpu: 500m, memory: 384Mi }', 'limits: { cpu: 500m }');
    copy.edit('base/payment.yaml', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false');
    copy.edit('base/payment.yaml', 'allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true');
    const { problems } = await checkOverlay(copy.overlay('prod'), { env });
    expect(problems).toEqual(
      expect.arrayContaining([
        'Deployment payment container payment: no memory limits',
        'Deployment payment container payment: readOnlyRootFilesystem is not true',
        'Deployment payment container payment: allowPrivilegeEscalation is not false',
      ]),
    );
  });

  it('a subPath mount of the routing rules, which would never hot-reload', async () => {
    const problems = await problemsAfter(
      'base/bff-web.yaml',
      '{ name: routing, mountPath: /etc/fig/routing, readOnly: true }',
      '{ name: routing, mountPath: /etc/fig/routing/routes.yaml, subPath: routes.yaml }',
    );
    expect(problems).toContain(
      'Deployment bff-web container bff-web: mounts ConfigMap volume routing with subPath, so updates never arrive',
    );
  });

  it('a grace period too short for the preStop pause and the drain', async () => {
    const problems = await problemsAfter(
      'base/gateway.yaml',
      'terminationGracePeriodSeconds: 45',
      'terminationGracePeriodSeconds: 15',
    );
    expect(problems).toContain(
      'Deployment gateway container gateway: terminationGracePeriodSeconds 15 < preStop 10s + drain 10s',
    );
  });

  it('an env var the deployable does not read', async () => {
    const problems = await problemsAfter(
      'base/checkout.yaml',
      '{ name: DATA_DIR, value: /data }',
      '{ name: DATA_PATH, value: /data }',
    );
    expect(problems).toContain(
      'Deployment checkout container checkout: sets DATA_PATH, which services/checkout does not read',
    );
  });

  it('an env value the deployable would refuse to start with', async () => {
    const problems = await problemsAfter(
      'overlays/dev/kustomization.yaml',
      'ADMIN_TOKEN=dev-admin-token-not-secret',
      'ADMIN_TOKEN=short',
    );
    expect(problems).toContain(
      'Deployment gateway container gateway: gateway would refuse its env: ADMIN_TOKEN must NOT have fewer than 16 characters',
    );
  });

  it('routing rules read from the image instead of the ConfigMap', async () => {
    const problems = await problemsAfter('base/gateway.yaml', /^.*name: ROUTING_RULES.*\n/m, '');
    expect(problems).toContain(
      "Deployment gateway container gateway: ROUTING_RULES must name routes.yaml in a mounted ConfigMap, not the image's local copy",
    );
  });

  it('a subgraph the BFF would still look for on 127.0.0.1', async () => {
    const problems = await problemsAfter('base/bff-web.yaml', ',inventory=http://inventory:5003/graphql', '');
    expect(problems).toContain(
      'Deployment bff-web container bff-web: SUBGRAPH_URLS sends subgraph inventory to http://127.0.0.1:5003/graphql, expected http://inventory:5003/graphql',
    );
  });

  it('an address left at its local default, which no pod answers', async () => {
    const problems = await problemsAfter('base/checkout.yaml', /^.*name: INVENTORY_URL.*\n/m, '');
    expect(problems).toContain(
      'Deployment checkout container checkout: INVENTORY_URL is http://127.0.0.1:5003, which nothing in the cluster answers',
    );
  });

  it('an upstream the cluster has no Service for', async () => {
    const problems = await problemsAfter('base/routes.yaml', 'http://inventory:5003', 'http://stock:5003');
    expect(problems).toContain(
      'ConfigMap fig-routing: upstream inventory points at stock:5003, but there is no Service stock',
    );
  });

  it('a BFF opened to the world', async () => {
    const problems = await problemsAfter(
      'base/network-policies.yaml',
      /- from:\n\s+- podSelector:\n\s+matchLabels: \{ app.kubernetes.io\/name: gateway \}\n\s+ports:/,
      '- ports:',
    );
    expect(problems).toContain(
      'NetworkPolicy bff: admits traffic from anywhere to pods other than the gateway',
    );
  });

  it('a misspelt field, which strict field validation rejects', async () => {
    const problems = await problemsAfter(
      'base/gateway.yaml',
      'terminationGracePeriodSeconds: 45',
      'terminationGracePeriodSecond: 45',
    );
    expect(problems).toContain(
      'Deployment gateway: /spec/template/spec/terminationGracePeriodSecond is not a field of Deployment',
    );
  });

  it('a value the Kubernetes schema rejects', async () => {
    const problems = await problemsAfter('base/redis.yaml', 'replicas: 1', "replicas: 'one'");
    expect(problems).toContain('Deployment redis: /spec/replicas must be integer');
  });
});
