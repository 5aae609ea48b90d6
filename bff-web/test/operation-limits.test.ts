import { join } from 'node:path';
import { writeSupergraph } from '@fig/testing/bff-files';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import { jsonRequest } from '@fig/testing/json-request';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';

const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { me: String  products: [Product!]! }
type Product @key(fields: "id") { id: ID!  related: [Product!]! }`;

const chain = (n: number, body: (next: string) => string, on: string, last: string) =>
  Array.from({ length: n }, (_, i) => `fragment F${i} on ${on} { ${body(`F${i + 1}`)} }`).join(' ') +
  ` fragment F${n} on ${on} { ${last} }`;

// Each is about 1 KB and, expanded naively, billions of selections or none at all.
const attacks: [name: string, query: string, code: string][] = [
  [
    'a thirty-level fragment bomb on Query',
    `{ ...F0 } ${chain(30, (next) => `...${next} ...${next}`, 'Query', 'me')}`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'a thirty-level fragment bomb nesting fields',
    `{ products { ...F0 } } ${chain(30, (next) => `related { ...${next} } related { ...${next} }`, 'Product', 'id')}`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  // Free for the limits (no field anywhere); graphql validation refuses the unknown fragment.
  [
    'a fragment bomb ending in an unknown fragment',
    `{ ...F0 } ${chain(30, (next) => `...${next} ...${next}`, 'Query', '...Nowhere')}`,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'a fragment cycle behind a bomb',
    `{ ...F0 } ${chain(30, (next) => `...${next} ...${next}`, 'Query', '...F0')}`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'root fields hidden in inline fragments on Query',
    `{ ${Array.from({ length: 21 }, () => '... on Query { me }').join(' ')} }`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'root fields hidden in a named fragment on Query',
    `{ ...R ...R ...R } fragment R on Query { ${'me '.repeat(7)}}`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'an alias flood with directives',
    `{ products { ${Array.from({ length: 31 }, (_, i) => `a${i}: id @include(if: true)`).join(' ')} } }`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  [
    'deep nesting',
    `{ products { ${'related { '.repeat(12)}id${' }'.repeat(12)} } }`,
    'OPERATION_LIMIT_EXCEEDED',
  ],
  ['a token flood', `{ ${'me '.repeat(5001)}}`, 'OPERATION_LIMIT_EXCEEDED'],
];

describe('bff-web operation limits, as a process', () => {
  const dir = scratchDirPerSuite('bff-limits-');
  let subgraph: RunningSubgraph;
  let bff: RunningDeployable;

  beforeAll(async () => {
    subgraph = await startSubgraph('monolith', sdl, {
      Query: { me: () => 'alice', products: () => [{ id: 'p1' }] },
      Product: { related: () => [] },
    });
    writeSupergraph(join(dir, 'supergraph.graphql'), [subgraph]);
    bff = await spawnDeployable('bff-web', {
      env: { SUPERGRAPH_PATH: join(dir, 'supergraph.graphql'), NODE_ENV: 'production' },
    });
  });

  afterAll(async () => {
    // SIGKILL: a BFF frozen by an operation never gets to handle SIGTERM.
    await bff?.kill();
    await subgraph?.close();
  });

  const post = async (query: string) => {
    const { status, body } = await jsonRequest(`${bff.url}/web/graphql`, { body: { query } });
    return { status, body };
  };

  it.each(attacks)(
    'refuses %s with a coded 400, before any subgraph is asked',
    async (_name, query, code) => {
      expect(query.length).toBeLessThan(16_000);
      subgraph.calls.length = 0;
      const { status, body } = await post(query);
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toContain(
        code,
      );
      expect(subgraph.calls).toEqual([]);
    },
  );

  it('keeps answering plain queries while every attack arrives at once, ten times over', async () => {
    const flood = Array.from({ length: 10 }, () => attacks.map(([, query]) => post(query))).flat();
    const plain = post('{ me products { id related { id } } }');
    const answers = await Promise.all(flood);
    expect(answers.every((answer) => answer.status === 400)).toBe(true);
    expect(await plain).toEqual({
      status: 200,
      body: { data: { me: 'alice', products: [{ id: 'p1', related: [] }] } },
    });
    expect((await post('{ me }')).body).toEqual({ data: { me: 'alice' } });
  });
});
