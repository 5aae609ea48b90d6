import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeBffFiles } from '@fig/testing/bff-files';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { buildApp } from '../src/app.ts';

const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { whoami(greeting: String!): String }
type Mutation { touch: String }`;

describe('sharing identical operations in flight', () => {
  const dir = scratchDirPerSuite('bff-sharing-');
  let subgraph: RunningSubgraph;
  let app: FastifyInstance;
  let identity: TestIdentity;
  const tokens = new Map<string, string>();
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    identity = await startTestIdentity();
    subgraph = await startSubgraph('monolith', sdl, {
      Query: {
        whoami: async (_: unknown, { greeting }: { greeting: string }, context: unknown) => {
          await gate;
          const { headers } = context as { headers: Record<string, string | undefined> };
          return `${greeting} ${headers['x-user-id'] ?? 'anonymous'}`;
        },
      },
      Mutation: { touch: () => 'touched' },
    });
    const { supergraphPath, rulesPath } = writeBffFiles(dir, [subgraph]);
    app = buildApp({
      supergraphPath,
      rulesPath,
      shareIdenticalOperations: true,
      logLevel: 'silent',
      auth: identity,
    });
    for (const user of ['alice', 'bob', 'carol']) tokens.set(user, await identity.userToken(user));
    await app.ready();
  });

  afterAll(async () => {
    release();
    await app?.close();
    await subgraph?.close();
    await identity?.close();
  });

  const ask = (user: string, greeting = 'hello', query = 'query($g: String!) { whoami(greeting: $g) }') =>
    app
      .inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(user)}` },
        payload: { query, variables: { g: greeting } },
      })
      .then((response) => response.json());

  it('runs identical queries of one caller once, and never shares across callers or variables', async () => {
    subgraph.calls.length = 0;
    const answers = Promise.all([ask('alice'), ask('alice'), ask('alice'), ask('bob'), ask('alice', 'hi')]);
    await sleep(200);
    release();
    expect(await answers).toEqual([
      { data: { whoami: 'hello alice' } },
      { data: { whoami: 'hello alice' } },
      { data: { whoami: 'hello alice' } },
      { data: { whoami: 'hello bob' } },
      { data: { whoami: 'hi alice' } },
    ]);
    expect(subgraph.calls).toHaveLength(3);
  });

  it('never shares mutations', async () => {
    subgraph.calls.length = 0;
    await Promise.all([ask('alice', '', 'mutation { touch }'), ask('alice', '', 'mutation { touch }')]);
    expect(subgraph.calls).toHaveLength(2);
  });

  it('runs again once the shared execution has finished', async () => {
    gate = Promise.resolve();
    subgraph.calls.length = 0;
    await ask('carol');
    await ask('carol');
    expect(subgraph.calls).toHaveLength(2);
  });
});
