import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createFederationMetrics } from '../src/federation-metrics.ts';
import { defaultSubgraphOptions, SubgraphDataSource } from '../src/subgraph-data-source.ts';

// A subgraph that reads each request and never answers; remembers the requests it saw close.
async function silentSubgraph() {
  const closed: IncomingMessage[] = [];
  const server: Server = createServer((request) => {
    request.resume();
    request.socket.once('close', () => closed.push(request));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, closed, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const fetchOf = (source: SubgraphDataSource) =>
  source.process({
    request: { query: '{ __typename }', variables: {} },
    context: undefined,
  } as never);

describe('a subgraph fetch', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  it('gives up on a subgraph that does not answer within its budget, and drops the request', async () => {
    const subgraph = await silentSubgraph();
    cleanups.push(() => new Promise((resolve) => subgraph.server.close(resolve)));
    const source = new SubgraphDataSource('silent', subgraph.url, createFederationMetrics(new Registry()), {
      ...defaultSubgraphOptions,
      timeoutMs: 300,
    });
    cleanups.push(() => source.close().catch(() => undefined));
    const answer = await fetchOf(source);
    expect(answer.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(answer.errors?.[0]?.message).toBe('the silent subgraph is unavailable');
    // The abandoned request's connection is closed, not left holding the subgraph.
    await expect.poll(() => subgraph.closed.length).toBe(1);
  });
});
