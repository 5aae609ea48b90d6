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

  // One edit each, and the problem the check must report for it.
  const breakages: { name: string; edit: [string, string | RegExp, string, string?]; problem: string }[] = [
    {
      name: 'a missing readiness probe',
      edit: ['base/gateway.yaml', /readinessProbe:/, 'unusedProbe:'],
      problem: 'Deployment gateway container gateway: no readinessProbe',
    },
    {
      name: "a probe on the gateway's public port, which proxies /health/* to the monolith",
      edit: [
        'base/gateway.yaml',
        'httpGet: { path: /health/ready, port: admin }',
        'httpGet: { path: /health/ready, port: http }',
      ],
      problem:
        'Deployment gateway container gateway: readinessProbe asks port http, but gateway answers health on 9901',
    },
    {
      name: "a scrape annotation on the gateway's public port",
      edit: ['base/gateway.yaml', "prometheus.io/port: '9901'", "prometheus.io/port: '8080'"],
      problem: 'Deployment gateway: prometheus.io/port 8080, but gateway serves /metrics on 9901',
    },
    {
      name: 'a latest image tag',
      edit: ['base/redis.yaml', 'redis:7.4-alpine', 'redis:latest'],
      problem: 'Deployment redis container redis: image redis:latest uses the latest tag',
    },
    {
      name: 'a local image other than the one docker compose builds',
      edit: ['base/payment.yaml', 'image: fig/payment:0.1.0', 'image: fig/payment:0.0.9'],
      problem:
        'Deployment payment container payment: image fig/payment:0.0.9, but docker compose build makes fig/payment:0.1.0',
    },
    {
      name: 'an image without a tag',
      edit: ['base/redis.yaml', 'redis:7.4-alpine', 'redis'],
      problem: 'Deployment redis container redis: image redis has no tag (that means latest)',
    },
    {
      name: 'a dangling ConfigMap reference',
      edit: ['base/gateway.yaml', 'configMap: { name: fig-routing }', 'configMap: { name: fig-routes }'],
      problem: 'Deployment gateway volume routing: ConfigMap fig-routes does not exist',
    },
    {
      name: 'a claim nobody defines',
      edit: ['overlays/prod/data-volumes.yaml', 'name: monolith-data', 'name: monoliths-data', 'prod'],
      problem: 'Deployment monolith volume data: PersistentVolumeClaim monolith-data does not exist',
    },
    {
      name: 'a subPath mount of the routing rules, which would never hot-reload',
      edit: [
        'base/bff-web.yaml',
        '{ name: routing, mountPath: /etc/fig/routing, readOnly: true }',
        '{ name: routing, mountPath: /etc/fig/routing/routes.yaml, subPath: routes.yaml }',
      ],
      problem:
        'Deployment bff-web container bff-web: mounts ConfigMap volume routing with subPath, so updates never arrive',
    },
    {
      name: 'a grace period too short for the preStop pause and the drain',
      edit: ['base/gateway.yaml', 'terminationGracePeriodSeconds: 45', 'terminationGracePeriodSeconds: 15'],
      problem:
        'Deployment gateway container gateway: terminationGracePeriodSeconds 15 < preStop 10s + drain 10s',
    },
    {
      name: 'an env var the deployable does not read',
      edit: ['base/monolith.yaml', '{ name: DATA_DIR, value: /data }', '{ name: DATA_PATH, value: /data }'],
      problem: 'Deployment monolith container monolith: sets DATA_PATH, which monolith-stub does not read',
    },
    {
      name: 'an env value the deployable would refuse to start with',
      edit: [
        'overlays/dev/kustomization.yaml',
        'ADMIN_TOKEN=dev-admin-token-not-secret',
        'ADMIN_TOKEN=short',
      ],
      problem:
        'Deployment gateway container gateway: gateway would refuse its env: ADMIN_TOKEN must NOT have fewer than 16 characters',
    },
    {
      name: "an admin port open to the pod's network without a token",
      edit: ['base/gateway.yaml', /^.*name: ADMIN_TOKEN\n.*\n.*key: ADMIN_TOKEN.*\n/m, ''],
      problem: 'Deployment gateway container gateway: gateway would refuse its env: ADMIN_TOKEN is required',
    },
    {
      name: 'a metrics token the gateway would refuse',
      edit: [
        'overlays/dev/kustomization.yaml',
        'METRICS_TOKEN=dev-metrics-token-not-secret',
        'METRICS_TOKEN=short',
      ],
      problem:
        'Deployment gateway container gateway: gateway would refuse its env: METRICS_TOKEN must NOT have fewer than 16 characters',
    },
    {
      name: 'routing rules read from the image instead of the ConfigMap',
      edit: ['base/gateway.yaml', /^.*name: ROUTING_RULES.*\n/m, ''],
      problem:
        "Deployment gateway container gateway: ROUTING_RULES must name routes.yaml in a mounted ConfigMap, not the image's local copy",
    },
    {
      name: 'a subgraph the BFF would still look for on 127.0.0.1',
      edit: ['base/bff-web.yaml', ',inventory=http://inventory:5103/graphql', ''],
      problem:
        'Deployment bff-web container bff-web: SUBGRAPH_URLS sends subgraph inventory to http://127.0.0.1:5103/graphql, expected http://inventory:5103/graphql',
    },
    {
      name: 'an address left at its local default, which no pod answers',
      edit: ['base/checkout.yaml', /^.*name: INVENTORY_URL.*\n/m, ''],
      problem:
        'Deployment checkout container checkout: INVENTORY_URL is http://127.0.0.1:5003, which nothing in the cluster answers',
    },
    {
      name: 'an upstream the cluster has no Service for',
      edit: ['base/routes.yaml', 'http://inventory:5003', 'http://stock:5003'],
      problem:
        'ConfigMap fig-routing: upstream inventory points at stock:5003, but there is no Service stock',
    },
    {
      name: 'a BFF opened to the world',
      edit: [
        'base/network-policies.yaml',
        /- from:\n\s+- podSelector:\n\s+matchLabels: \{ app.kubernetes.io\/name: gateway \}\n\s+ports:/,
        '- ports:',
      ],
      problem: 'NetworkPolicy bff: admits traffic from anywhere to pods other than the gateway',
    },
    {
      name: 'the BFFs shut out of the Redis they follow the ramps in',
      edit: [
        'base/network-policies.yaml',
        /^.*# The BFFs follow the ramps.*\n.*\n.*component: bff \}\n/m,
        '',
      ],
      problem:
        'Deployment bff-web: REDIS_URL is redis://redis:6379, but no NetworkPolicy lets it reach Deployment redis on redis',
    },
    {
      name: "the monolith shut out of the inventory service's API, where its stock writes go",
      edit: [
        'base/network-policies.yaml',
        'ports: [{ port: internal }, { port: http }]',
        'ports: [{ port: internal }]',
      ],
      problem:
        'Deployment monolith: INVENTORY_URL is http://inventory:5003, but no NetworkPolicy lets it reach Deployment inventory on http',
    },
    {
      name: 'a probe on the public port, where a backend has no /health',
      edit: [
        'base/monolith.yaml',
        'httpGet: { path: /health/ready, port: internal }',
        'httpGet: { path: /health/ready, port: http }',
      ],
      problem:
        'Deployment monolith container monolith: readinessProbe asks port http, but monolith answers health on 3100',
    },
    {
      name: 'metrics scraped on the public port',
      edit: ['base/checkout.yaml', "prometheus.io/port: '5101'", "prometheus.io/port: '5001'"],
      problem: 'Deployment checkout: prometheus.io/port 5001, but checkout serves /metrics on 5101',
    },
    {
      name: 'an internal listener the container does not name',
      edit: [
        'base/payment.yaml',
        '{ name: internal, containerPort: 5102 }',
        '{ name: private, containerPort: 5102 }',
      ],
      problem:
        'Deployment payment container payment: no port named internal on 5102 (its INTERNAL_PORT: health, metrics, subgraph)',
    },
    {
      name: 'an internal listener on loopback, which no probe or BFF reaches',
      edit: [
        'base/inventory.yaml',
        '{ name: INTERNAL_HOST, value: 0.0.0.0 }',
        '{ name: INTERNAL_HOST, value: 127.0.0.1 }',
      ],
      problem:
        'Deployment inventory container inventory: INTERNAL_HOST 127.0.0.1 is loopback, so probes, scrapes and subgraph calls never arrive',
    },
    {
      name: 'orders recorded at the local default, which no pod answers',
      edit: ['base/checkout.yaml', /^.*name: MONOLITH_INTERNAL_URL.*\n/m, ''],
      problem:
        'Deployment checkout container checkout: MONOLITH_INTERNAL_URL is http://127.0.0.1:3100, which nothing in the cluster answers',
    },
    {
      name: 'the gateway let in to the internal port',
      edit: [
        'base/network-policies.yaml',
        '        # The BFFs fetch the subgraphs.\n',
        '        - podSelector:\n            matchLabels: { app.kubernetes.io/name: gateway }\n',
      ],
      problem:
        'NetworkPolicy backends: lets the gateway reach the internal port of monolith (health, metrics, subgraph, /internal)',
    },
    {
      name: 'the gateway let in to every port of the backends',
      edit: [
        'base/network-policies.yaml',
        '            matchLabels: { app.kubernetes.io/component: service }\n      ports: [{ port: http }]\n',
        '            matchLabels: { app.kubernetes.io/component: service }\n',
      ],
      problem:
        'NetworkPolicy backends: lets the gateway reach the internal port of checkout (health, metrics, subgraph, /internal)',
    },
    {
      name: 'a misspelt field, which strict field validation rejects',
      edit: ['base/gateway.yaml', 'terminationGracePeriodSeconds: 45', 'terminationGracePeriodSecond: 45'],
      problem:
        'Deployment gateway: /spec/template/spec/terminationGracePeriodSecond is not a field of Deployment',
    },
    {
      name: 'several checkout replicas without a shared database',
      edit: ['base/checkout.yaml', '- name: DATABASE_URL', '- name: DATA_DIR'],
      problem:
        'Deployment checkout: an autoscaler scales it, but without DATABASE_URL each pod keeps its own SQLite data',
    },
    {
      name: 'a database URL that is not PostgreSQL',
      edit: [
        'overlays/dev/kustomization.yaml',
        'PAYMENT_DATABASE_URL=postgres://',
        'PAYMENT_DATABASE_URL=mysql://',
      ],
      problem:
        'Deployment payment container payment: services/payment would refuse its env: DATABASE_URL must match pattern "^postgres(ql)?://"',
    },
    {
      name: 'a value the Kubernetes schema rejects',
      edit: ['base/redis.yaml', 'replicas: 1', "replicas: 'one'"],
      problem: 'Deployment redis: /spec/replicas must be integer',
    },
  ];

  it.each(breakages)('$name', async ({ edit, problem }) => {
    expect(await problemsAfter(...edit)).toContain(problem);
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

  it('an optional Secret key may be missing; a required one may not', async () => {
    // RAMP_WEBHOOK_URL is optional: the overlays render without it (the first tests above).
    const problems = await problemsAfter(
      'base/gateway.yaml',
      'key: RAMP_WEBHOOK_URL, optional: true',
      'key: RAMP_WEBHOOK_URL',
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Deployment gateway container gateway env RAMP_WEBHOOK_URL: Secret fig-secrets-\w+ has no key RAMP_WEBHOOK_URL$/,
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
});
