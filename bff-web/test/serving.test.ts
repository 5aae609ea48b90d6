import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeNoRoutes, writeSupergraph } from '@fig/testing/bff-files';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import type { FigServer } from '@fig/platform';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { buildApp } from '../src/app.ts';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const sdlV1 = `${link}
type Query { hello: String  slow: String  broken: String  missing: String }`;
const sdlV2 = `${link}
type Query { hello: String  slow: String  broken: String  missing: String  added: String }`;
const hungSdl = `${link}
type Query { hang: String }`;

describe('bff-web serving', () => {
  const dir = scratchDirPerSuite('bff-serving-');
  let subgraph: RunningSubgraph;
  let hung: RunningSubgraph;
  let app: FigServer;
  let releaseSlow: () => void = () => {};
  const supergraphFile = () => join(dir, 'supergraph.graphql');

  function deploySupergraph(sdl: string) {
    writeSupergraph(supergraphFile(), [{ ...subgraph, sdl }, hung]);
  }

  beforeAll(async () => {
    subgraph = await startSubgraph('monolith', sdlV2, {
      Query: {
        hello: () => 'world',
        added: () => 'new field',
        slow: () => new Promise((resolve) => (releaseSlow = () => resolve('finally'))),
        broken: () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:5432 SELECT * FROM secrets');
        },
        missing: () => {
          throw new GraphQLError('no such thing', { extensions: { code: 'NOT_FOUND' } });
        },
      },
    });
    hung = await startSubgraph('hung', hungSdl, { Query: { hang: () => new Promise(() => {}) } });
    deploySupergraph(sdlV1);
    app = buildApp({
      supergraphPath: supergraphFile(),
      rulesPath: writeNoRoutes(join(dir, 'routes.yaml')),
      production: true,
      subgraphTimeouts: { hung: 300 },
      logLevel: 'silent',
    });
    await app.ready();
  });

  afterAll(async () => {
    releaseSlow();
    await app?.close();
    await subgraph?.close();
    await hung?.close();
  });

  const post = async (payload: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(payload),
    });
    return { status: response.statusCode, body: response.json() };
  };

  it('answers health and metrics on the internal listener only, and GraphQL on the public one only', async () => {
    for (const path of ['/health/ready', '/health/live', '/metrics']) {
      const response = await app.inject(path);
      expect([path, response.statusCode, response.json().error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    expect((await app.internal.inject('/health/live')).json().status).toBe('ok');
    const query = { method: 'POST' as const, url: '/graphql', payload: { query: '{ hello }' } };
    expect((await app.inject(query)).json()).toEqual({ data: { hello: 'world' } });
    expect((await app.internal.inject(query)).statusCode).toBe(404);
  });

  it('hot-reloads the supergraph without failing operations already running', async () => {
    const inFlight = post({ query: '{ slow }' });
    await sleep(100);
    expect((await post({ query: '{ added }' })).status).toBe(400);
    deploySupergraph(sdlV2);
    let added: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 100; i++) {
      added = await post({ query: '{ added }' });
      if (added.status === 200) break;
      await sleep(50);
    }
    expect(added?.body).toEqual({ data: { added: 'new field' } });
    releaseSlow();
    expect((await inFlight).body).toEqual({ data: { slow: 'finally' } });
  });

  it('keeps serving the last good supergraph when the file turns invalid', async () => {
    writeFileSync(supergraphFile(), 'type Query { nope }');
    await sleep(300);
    expect((await post({ query: '{ hello added }' })).body).toEqual({
      data: { hello: 'world', added: 'new field' },
    });
    const metrics = (await app.internal.inject('/metrics')).body;
    expect(metrics).toMatch(/bff_supergraph_reloads_total\{[^}]*result="rejected"[^}]*\} [1-9]/);
  });

  it('masks subgraph internals but keeps deliberate errors, each with a code', async () => {
    const { body } = await post({ query: '{ hello broken missing }' });
    expect(body.data).toEqual({ hello: 'world', broken: null, missing: null });
    const byField = Object.fromEntries(body.errors.map((e: { path: string[] }) => [e.path[0], e]));
    expect(byField.broken.extensions).toEqual({ code: 'SUBGRAPH_ERROR' });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|SELECT|10\.1\.2\.3/);
    expect(byField.missing).toMatchObject({ message: 'no such thing', extensions: { code: 'NOT_FOUND' } });
  });

  it('gives up on a subgraph that overruns its timeout, with a coded error', async () => {
    const { status, body } = await post({ query: '{ hang }' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ hang: null });
    expect(body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
  });

  it('in production: no introspection, no field suggestions', async () => {
    const introspection = await post({ query: '{ __schema { types { name } } }' });
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors[0].message).toMatch(/introspection is not allowed/i);
    const typo = await post({ query: '{ helo }' });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).not.toContain('Did you mean');
  });

  it('refuses batches and requests a browser could forge (CSRF)', async () => {
    const batch = await post([{ query: '{ hello }' }, { query: '{ hello }' }]);
    expect(batch.status).toBe(400);
    const simple = await app.inject({ method: 'GET', url: '/graphql?query=%7Bhello%7D' });
    expect(simple.statusCode).toBe(400);
    expect(simple.body).toMatch(/CSRF/);
    const preflighted = await app.inject({
      method: 'GET',
      url: '/graphql?query=%7Bhello%7D',
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.json()).toEqual({ data: { hello: 'world' } });
  });

  it('runs automatic persisted queries: the hash alone once the query is known', async () => {
    const query = '{ hello }';
    const hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    expect((await post({ extensions })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query, extensions })).body.data).toEqual({ hello: 'world' });
    expect((await post({ extensions })).body.data).toEqual({ hello: 'world' });
  });

  it('counts operations by name and outcome and reports readiness from the subgraphs', async () => {
    await post({ query: 'query Greeting { hello }' });
    await post({ query: 'query Partial { hello broken }' });
    const metrics = (await app.internal.inject('/metrics')).body;
    expect(metrics).toMatch(/bff_graphql_operations_total\{[^}]*operation="Greeting",outcome="ok"[^}]*\} 1/);
    expect(metrics).toMatch(
      /bff_graphql_operations_total\{[^}]*operation="Partial",outcome="partial"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /bff_subgraph_request_duration_seconds_count\{[^}]*subgraph="monolith",outcome="ok"[^}]*\} [1-9]/,
    );
    expect((await app.internal.inject('/health/ready')).statusCode).toBe(200);
    releaseSlow();
    await subgraph.close();
    const ready = await app.internal.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ supergraph: true, subgraphs: false });
  });
});
