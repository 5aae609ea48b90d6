import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { writeBffFiles } from '@fig/testing/bff-files';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdl, startDemoSubgraphs, type SubgraphServer } from '../../bench/federation/subgraphs.ts';
import { buildApp } from '../../bff-web/src/app.ts';

// bff-web aligns plan branches and merges fetches; on the benchmark's deep query it must give
// @apollo/gateway's answer exactly, with at most 7 subgraph requests where that makes 16.
const query = readFileSync(new URL('../../bench/federation/query.graphql', import.meta.url), 'utf8');

describe('the demo graph deep query', () => {
  let dir: string;
  let subgraphs: SubgraphServer[];
  let bff: FastifyInstance;
  let apollo: ApolloServer;

  const requests = async () => {
    const counts = await Promise.all(
      subgraphs.map(async ({ url }) => Number(await (await fetch(url.replace('/graphql', '/count'))).text())),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  };

  beforeAll(async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = '1';
    dir = mkdtempSync(join(tmpdir(), 'demo-graph-'));
    subgraphs = await startDemoSubgraphs();
    const { supergraphPath, supergraphSdl, rulesPath } = writeBffFiles(
      dir,
      subgraphs.map(({ name, url }) => ({ name, url, sdl: sdl[name as keyof typeof sdl] })),
    );
    bff = buildApp({
      supergraphPath,
      rulesPath,
      logLevel: 'silent',
    });
    await bff.ready();
    apollo = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    await apollo.start();
  });

  afterAll(async () => {
    await bff?.close();
    await apollo?.stop();
    await Promise.all((subgraphs ?? []).map((subgraph) => subgraph.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly as @apollo/gateway does, in at most 7 subgraph requests', async () => {
    await requests();
    const reference = await apollo.executeOperation({ query });
    const apolloRequests = await requests();
    const response = await bff.inject({ method: 'POST', url: '/graphql', payload: { query } });
    const bffRequests = await requests();
    const expected = reference.body.kind === 'single' ? reference.body.singleResult : undefined;
    expect(expected?.errors).toBeUndefined();
    expect(response.json()).toEqual({ data: expected?.data });
    expect((response.json().data.users as unknown[]).length).toBeGreaterThan(0);
    expect(apolloRequests).toBe(16);
    expect(bffRequests).toBeLessThanOrEqual(7);
  });
});
