import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { closedPort } from '@fig/testing/closed-port';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '../../scripts/stack.ts';
import { buildArgsFor, dockerfileProblems, healthcheckCommand, readDockerfile } from '../src/dockerfile.ts';
import { paths } from '../src/paths.ts';

const scratch = mkdtempSync(join(tmpdir(), 'fig-dockerfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Problems of the committed Dockerfile with `from` replaced by `to`. */
function problemsAfter(from: string | RegExp, to: string): string[] {
  const text = readFileSync(paths.dockerfile, 'utf8');
  const broken = text.replace(from, to);
  expect(broken).not.toBe(text);
  const path = join(scratch, 'Dockerfile');
  writeFileSync(path, broken);
  return dockerfileProblems(path);
}

describe('Dockerfile', () => {
  it('follows the rules', () => {
    expect(dockerfileProblems()).toEqual([]);
  });

  it('gives each image its documented ports and asks health on the internal port (the gateway: admin)', () => {
    const gateway = stack.find((d) => d.name === 'gateway')!;
    const payment = stack.find((d) => d.name === 'payment')!;
    expect(readDockerfile(paths.dockerfile, buildArgsFor(gateway)).runtimeEnv).toMatchObject({
      PORT: '8080',
      HEALTH_PORT: '9901',
      NODE_ENV: 'production',
    });
    expect(readDockerfile(paths.dockerfile, buildArgsFor(payment)).runtimeEnv).toMatchObject({
      PORT: '5002',
      INTERNAL_PORT: '5102',
      INTERNAL_HOST: '0.0.0.0',
      HEALTH_PORT: '5102',
    });
  });

  it('fails when a workspace manifest is not copied', () => {
    expect(problemsAfter(/^COPY k8s\/package.json.*$/m, '')).toEqual([
      'Dockerfile: does not copy k8s/package.json, so npm ci fails on the lock file',
    ]);
  });

  it('fails on a shell-form entrypoint, which keeps SIGTERM from Node', () => {
    expect(problemsAfter('ENTRYPOINT ["node", "/app/main.ts"]', 'ENTRYPOINT node /app/main.ts')).toEqual([
      'Dockerfile: ENTRYPOINT is not in exec form, so a shell would swallow SIGTERM',
    ]);
  });

  it('fails when the image runs as root or installs dev dependencies', () => {
    expect(problemsAfter('USER 1000:1000', 'USER root')).toEqual([
      'Dockerfile: the image must run as a numeric non-root USER (has root)',
    ]);
    expect(problemsAfter('npm ci --omit=dev', 'npm ci')).toEqual([
      'Dockerfile: does not install with npm ci --omit=dev (production dependencies from the lock file)',
    ]);
  });

  it('fails on an unpinned base image and a missing healthcheck', () => {
    expect(problemsAfter('ARG NODE_IMAGE=node:24-slim', 'ARG NODE_IMAGE=node')).toEqual([
      'Dockerfile: FROM node is not pinned to a tag',
    ]);
    expect(problemsAfter(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, '')).toEqual(['Dockerfile: no HEALTHCHECK']);
  });

  it('has a HEALTHCHECK that passes on a ready deployable and fails on a port nobody answers', async () => {
    const [command, ...args] = healthcheckCommand()!;
    expect(command).toBe('node');
    const healthcheck = (port: number) =>
      spawnSync(process.execPath, args, { env: { HEALTH_PORT: String(port) }, timeout: 10_000 }).status;
    const inventory = await spawnDeployable('services/inventory');
    try {
      expect(healthcheck(Number(new URL(inventory.internalUrl!).port))).toBe(0);
      // The public port has no /health: a HEALTHCHECK asking it would never pass.
      expect(healthcheck(Number(new URL(inventory.url).port))).toBe(1);
    } finally {
      await inventory.stop();
    }
    expect(healthcheck(await closedPort())).toBe(1);
  });
});
