import { parse, validate, buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { alignPlan } from '../src/align-plan.ts';
import { mergeOperations } from '../src/merge-operations.ts';

const schema = buildSchema(`
  scalar _Any
  type Query { _entities(representations: [_Any!]!): [Thing]!  thing(id: ID!): Thing }
  type Thing { id: ID!  name: String }
`);

describe('mergeOperations', () => {
  const a = {
    query:
      'query A($representations: [_Any!]!) { _entities(representations: $representations) { ... on Thing { id } } }',
    variables: { representations: [{ __typename: 'Thing', id: '1' }] },
  };
  const b = {
    query: 'query B($id: ID!) { thing(id: $id) { ...F } } fragment F on Thing { name }',
    variables: { id: '2' },
  };

  it('builds one valid query with each operation in its own namespace', () => {
    const merged = mergeOperations([a, b])!;
    expect(validate(schema, parse(merged.query)).map((e) => e.message)).toEqual([]);
    expect(merged.variables).toEqual({ _0_representations: a.variables.representations, _1_id: '2' });
  });

  it('splits data and errors back to the operation they belong to', () => {
    const merged = mergeOperations([a, b])!;
    const [first, second] = merged.split({
      data: { _0__entities: [{ id: '1' }], _1_thing: null },
      errors: [
        { message: 'gone', path: ['_1_thing'], extensions: { code: 'NOT_FOUND' } },
        { message: 'whole request', extensions: { code: 'X' } },
      ],
    });
    expect(first).toEqual({
      data: { _entities: [{ id: '1' }] },
      errors: [{ message: 'whole request', extensions: { code: 'X' } }],
    });
    expect(second).toEqual({
      data: { thing: null },
      errors: [
        { message: 'gone', path: ['thing'], extensions: { code: 'NOT_FOUND' } },
        { message: 'whole request', extensions: { code: 'X' } },
      ],
    });
  });

  it('refuses to merge mutations, which must run in order', () => {
    expect(mergeOperations([a, { query: 'mutation M { thing(id: "1") { id } }', variables: {} }])).toBeNull();
  });
});

describe('alignPlan', () => {
  const fetch = (serviceName: string) => ({ kind: 'Fetch', serviceName }) as never;
  it('runs independent branches in lock step, a shorter one placed where its subgraphs line up', () => {
    const plan = alignPlan({
      kind: 'QueryPlan',
      node: {
        kind: 'Parallel',
        nodes: [
          { kind: 'Sequence', nodes: [fetch('a'), fetch('b'), fetch('c')] },
          { kind: 'Sequence', nodes: [fetch('x'), fetch('c')] },
        ],
      },
    });
    expect(plan.node).toEqual({
      kind: 'Sequence',
      nodes: [
        fetch('a'),
        { kind: 'Parallel', nodes: [fetch('b'), fetch('x')] },
        { kind: 'Parallel', nodes: [fetch('c'), fetch('c')] },
      ],
    });
  });
});
