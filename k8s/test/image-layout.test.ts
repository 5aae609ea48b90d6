import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '../../scripts/stack.ts';
import { paths } from '../src/paths.ts';
import { dockerignore, imageLayout, productionWorkspaces } from '../src/image-layout.ts';

const scratch = mkdtempSync(join(tmpdir(), 'fig-image-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dockerignore', () => {
  const ignored = dockerignore(
    ['# comment', '**/node_modules', '**/test', 'docs', '**/*.md', 'k8s', '!k8s/package.json'].join('\n'),
  );

  it('leaves out matches at any depth, and everything under a left-out directory', () => {
    expect(ignored('node_modules')).toBe(true);
    expect(ignored('gateway/node_modules/x/index.js')).toBe(true);
    expect(ignored('test/parity/a.test.ts')).toBe(true);
    expect(ignored('services/payment/test/x.ts')).toBe(true);
    expect(ignored('docs/deploy.md')).toBe(true);
    expect(ignored('monolith-stub/README.md')).toBe(true);
  });

  it('keeps what no pattern matches and what a later ! brings back', () => {
    expect(ignored('gateway/src/main.ts')).toBe(false);
    expect(ignored('services/payment/src/test-mode.ts')).toBe(false);
    expect(ignored('k8s/package.json')).toBe(false);
    expect(ignored('k8s/src/kustomize.ts')).toBe(true);
  });
});

describe('imageLayout', () => {
  it('holds what the gateway image holds: its own sources, the shared packages, an entry link', () => {
    const gateway = stack.find((d) => d.name === 'gateway')!;
    const entry = imageLayout(gateway, join(scratch, 'gateway'));
    const app = join(scratch, 'gateway/app');
    expect(entry).toBe(join(app, 'main.ts'));
    expect(realpathSync(entry)).toBe(join(app, 'gateway/src/main.ts'));
    expect(existsSync(join(app, 'platform/src/config.ts'))).toBe(true);
    expect(existsSync(join(app, 'routing-rules/routes.yaml'))).toBe(true);
    expect(existsSync(join(app, 'package-lock.json'))).toBe(true);
    expect(existsSync(join(app, 'bff-web/package.json'))).toBe(true);
    expect(existsSync(join(app, 'bff-web/src'))).toBe(false);
    expect(existsSync(join(app, 'gateway/test'))).toBe(false);
    expect(existsSync(join(app, 'k8s/src'))).toBe(false);
    expect(realpathSync(join(app, 'node_modules/@fig/platform'))).toBe(join(app, 'platform'));
    // Test helpers are in no image (only their manifest, for npm ci); the gateway links no
    // federation or domain package.
    expect(existsSync(join(app, 'testing/src'))).toBe(false);
    for (const name of ['testing', 'federation', 'domain', 'bff-web']) {
      expect(existsSync(join(app, 'node_modules/@fig', name)), name).toBe(false);
    }
  });
});

describe('productionWorkspaces', () => {
  const manifest = (name: string) =>
    JSON.parse(readFileSync(join(paths.root, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };

  it('gives the gateway the platform and the rules, so it installs neither Apollo nor test helpers', () => {
    const reached = productionWorkspaces('gateway');
    expect(reached.sort()).toEqual(['@fig/gateway', '@fig/platform', '@fig/routing-rules']);
    const installs = reached.flatMap((name) => Object.keys(manifest(name).dependencies ?? {}));
    expect(installs.filter((name) => name.startsWith('@apollo/') || name === 'vitest')).toEqual([]);
  });

  it('follows dependencies through the shared packages, never devDependencies', () => {
    expect(productionWorkspaces('services/payment').sort()).toEqual([
      '@fig/domain',
      '@fig/federation',
      '@fig/payment',
      '@fig/platform',
      '@fig/routing-rules',
    ]);
  });
});
