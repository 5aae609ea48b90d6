import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeSupergraph } from '@fig/testing/bff-files';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { slow: String }`;

describe('bff-web as a process', () => {
  let dir: string;
  let subgraph: RunningSubgraph;
  let release: () => void = () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bff-process-'));
    subgraph = await startSubgraph('monolith', sdl, {
      Query: { slow: () => new Promise((resolve) => (release = () => resolve('done'))) },
    });
    writeSupergraph(join(dir, 'supergraph.graphql'), [subgraph]);
  });

  afterAll(async () => {
    release();
    await subgraph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from its env, becomes ready, and on SIGTERM finishes the operation in flight before exiting 0', async () => {
    const bff = await spawnDeployable('bff-web', {
      env: { SUPERGRAPH_PATH: join(dir, 'supergraph.graphql'), NODE_ENV: 'production' },
    });
    try {
      const inFlight = fetch(`${bff.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ slow }' }),
      });
      // Readiness probes also reach the subgraph; wait for the operation itself.
      while (!subgraph.calls.some((call) => call.query.includes('slow'))) await sleep(20);
      const exited = bff.exited();
      bff.child.kill('SIGTERM');
      await sleep(100);
      release();
      const response = await inFlight;
      expect(await response.json()).toEqual({ data: { slow: 'done' } });
      expect(await exited).toBe(0);
    } finally {
      await bff.kill();
    }
  });

  it('refuses a bad configuration with every problem listed', async () => {
    await expect(
      spawnDeployable('bff-web', {
        env: { SUBGRAPH_URLS: 'not a list', TRUST_PROXY: '', SUBGRAPH_TIMEOUT_MS: '-1' },
        timeoutMs: 5000,
      }),
    ).rejects.toThrow(/SUBGRAPH_URLS[\s\S]*SUBGRAPH_TIMEOUT_MS|SUBGRAPH_TIMEOUT_MS[\s\S]*SUBGRAPH_URLS/);
  });
});
