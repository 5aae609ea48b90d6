import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KustomizeError, render } from '../src/kustomize.ts';
import type { Manifest } from '../src/manifest.ts';
import { strategicMerge } from '../src/strategic-merge.ts';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes files (path -> text) into a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fig-kustomize-'));
  scratch.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: fig/web:1.0
          env:
            - { name: A, value: '1' }
            - name: TOKEN
              valueFrom: { secretKeyRef: { name: keys, key: TOKEN } }
          envFrom: [{ configMapRef: { name: settings } }]
      volumes:
        - name: cache
          emptyDir: {}
`;

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

describe('strategicMerge', () => {
  it('merges maps, deletes on null and merges named list items by name', () => {
    const merged = strategicMerge(
      {
        spec: {
          replicas: 2,
          paused: true,
          containers: [
            { name: 'a', image: 'x' },
            { name: 'b', image: 'y' },
          ],
        },
      },
      {
        spec: {
          paused: null,
          containers: [
            { name: 'b', image: 'z' },
            { name: 'c', image: 'w' },
          ],
        },
      },
    );
    expect(merged).toEqual({
      spec: {
        replicas: 2,
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'z' },
          { name: 'c', image: 'w' },
        ],
      },
    });
  });

  it('refuses directives it does not implement', () => {
    expect(() => strategicMerge({ spec: { a: 1 } }, { spec: { $patch: 'replace', b: 2 } })).toThrow(
      /directive \$patch is not supported/,
    );
  });

  it('removes an item marked $patch: delete and replaces unkeyed lists whole', () => {
    const merged = strategicMerge(
      { volumes: [{ name: 'a' }, { name: 'b' }], args: ['--x', '--y'] },
      { volumes: [{ name: 'a', $patch: 'delete' }], args: ['--z'] },
    );
    expect(merged).toEqual({ volumes: [{ name: 'b' }], args: ['--z'] });
  });
});

describe('render', () => {
  it('hashes generated names and points every reference at them', () => {
    const dir = tree({
      'kustomization.yaml': `
resources: [deployment.yaml]
namespace: shop
configMapGenerator: [{ name: settings, literals: [LOG_LEVEL=info] }]
secretGenerator: [{ name: keys, literals: [TOKEN=s3cret] }]
`,
      'deployment.yaml': deployment,
    });
    const { manifests } = render(dir);
    const [configMap] = byKind(manifests, 'ConfigMap');
    const [secret] = byKind(manifests, 'Secret');
    const [web] = byKind(manifests, 'Deployment') as any[];
    expect(configMap.metadata.name).toMatch(/^settings-[a-z0-9]{10}$/);
    expect(secret.data).toEqual({ TOKEN: Buffer.from('s3cret').toString('base64') });
    const container = web.spec.template.spec.containers[0];
    expect(container.envFrom[0].configMapRef.name).toBe(configMap.metadata.name);
    expect(container.env[1].valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
    expect(manifests.every((m) => m.metadata.namespace === 'shop')).toBe(true);
  });

  it('lets an overlay merge generator data, patch, relabel and retag its base', () => {
    const dir = tree({
      'base/kustomization.yaml': `
resources: [deployment.yaml]
configMapGenerator: [{ name: settings, literals: [LOG_LEVEL=info, MODE=a] }]
secretGenerator: [{ name: keys, literals: [TOKEN=x], options: { disableNameSuffixHash: true } }]
`,
      'base/deployment.yaml': deployment,
      'overlay/kustomization.yaml': `
resources: [../base]
labels: [{ pairs: { team: edge } }]
images: [{ name: fig/web, newName: registry.example.com/fig/web, newTag: '2.0' }]
configMapGenerator: [{ name: settings, behavior: merge, literals: [LOG_LEVEL=debug] }]
patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec: { replicas: 3, template: { spec: { volumes: [{ name: cache, emptyDir: null, hostPath: { path: /x } }] } } }
`,
    });
    const base = render(join(dir, 'base')).manifests;
    const { manifests } = render(join(dir, 'overlay'));
    const [configMap] = byKind(manifests, 'ConfigMap');
    const [web] = byKind(manifests, 'Deployment') as any[];
    expect(configMap.data).toEqual({ LOG_LEVEL: 'debug', MODE: 'a' });
    expect(configMap.metadata.name).not.toBe(byKind(base, 'ConfigMap')[0].metadata.name);
    expect(byKind(manifests, 'Secret')[0].metadata.name).toBe('keys');
    expect(web.metadata.labels).toEqual({ app: 'web', team: 'edge' });
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.template.spec.volumes).toEqual([{ name: 'cache', hostPath: { path: '/x' } }]);
    expect(web.spec.template.spec.containers[0].image).toBe('registry.example.com/fig/web:2.0');
  });

  it('reads a missing secrets file from its example only when asked', () => {
    const dir = tree({
      'kustomization.yaml': 'secretGenerator: [{ name: keys, envs: [secrets.env] }]\n',
      'secrets.env.example': '# a comment\nTOKEN=example\n',
    });
    expect(() => render(dir)).toThrow(/secrets.env does not exist/);
    const { manifests, notes } = render(dir, { secretExamples: true });
    expect(manifests[0].data).toEqual({ TOKEN: Buffer.from('example').toString('base64') });
    expect(notes[0]).toMatch(/secrets.env.example/);
  });

  it('loads files only from under the kustomization, like kustomize', () => {
    const dir = tree({
      'shared/routes.yaml': 'version: 1\n',
      'overlay/kustomization.yaml':
        'configMapGenerator: [{ name: routing, files: [../shared/routes.yaml] }]\n',
    });
    expect(() => render(join(dir, 'overlay'))).toThrow(/outside .*only loads files under the kustomization/);
  });

  it('refuses what it does not implement and patches that match nothing', () => {
    const unsupported = tree({ 'kustomization.yaml': 'resources: []\nreplacements: []\n' });
    expect(() => render(unsupported)).toThrow(/unsupported fields replacements/);
    const misspelt = tree({
      'kustomization.yaml': 'configMapGenerator: [{ name: settings, literal: [A=1] }]\n',
    });
    expect(() => render(misspelt)).toThrow(/generator settings: unsupported fields literal/);
    const stray = tree({
      'kustomization.yaml': `
resources: [deployment.yaml]
patches: [{ patch: "apiVersion: apps/v1\\nkind: Deployment\\nmetadata: { name: api }\\nspec: { replicas: 1 }" }]
`,
      'deployment.yaml': deployment,
    });
    expect(() => render(stray)).toThrow(KustomizeError);
  });
});
