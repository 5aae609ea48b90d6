import { describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/shadow/comparison/compare-options.ts';
import { compareResponses } from '../../src/shadow/comparison/compare-responses.ts';
import { diffJson } from '../../src/shadow/comparison/json-diff.ts';

const json = (status: number, body: unknown) => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: Buffer.from(JSON.stringify(body)),
  truncated: false,
});

describe('diffJson', () => {
  it('reports each differing leaf with its path, generalised field and both values', () => {
    const differences = diffJson(
      { order: { total_cents: 1200, items: [{ sku: 'A', qty: 1 }] }, same: true },
      { order: { total_cents: 1300, items: [{ sku: 'A', qty: 2 }] }, same: true },
    );
    expect(differences).toEqual([
      { path: 'body.order.total_cents', field: 'body.order.total_cents', left: 1200, right: 1300 },
      { path: 'body.order.items[0].qty', field: 'body.order.items[*].qty', left: 1, right: 2 },
    ]);
  });

  it('ignores object key order but not array order, unless the array is keyed', () => {
    const left = {
      b: 1,
      a: 2,
      items: [
        { sku: 'A', n: 1 },
        { sku: 'B', n: 2 },
      ],
    };
    const right = {
      a: 2,
      b: 1,
      items: [
        { sku: 'B', n: 2 },
        { sku: 'A', n: 1 },
      ],
    };
    expect(diffJson(left, right).map((d) => d.path)).toEqual([
      'body.items[0].sku',
      'body.items[0].n',
      'body.items[1].sku',
      'body.items[1].n',
    ]);
    expect(diffJson(left, right, { arrayKeys: { 'body.items': 'sku' } })).toEqual([]);
  });

  it('pairs keyed items by key and reports an item missing on one side whole', () => {
    const differences = diffJson(
      {
        items: [
          { sku: 'A', n: 1 },
          { sku: 'B', n: 2 },
        ],
      },
      { items: [{ sku: 'B', n: 3 }] },
      { arrayKeys: { 'body.items': 'sku' } },
    );
    expect(differences).toEqual([
      { path: 'body.items[sku=A]', field: 'body.items[*]', left: { sku: 'A', n: 1 }, right: undefined },
      { path: 'body.items[sku=B].n', field: 'body.items[*].n', left: 2, right: 3 },
    ]);
  });

  it('skips ignored fields and everything under them, with * matching one segment', () => {
    const left = { meta: { at: 1, by: 'x' }, items: [{ eta: 1, n: 1 }], n: 1 };
    const right = { meta: { at: 2, by: 'y' }, items: [{ eta: 2, n: 1 }], n: 2 };
    expect(diffJson(left, right, { ignore: ['body.meta', 'body.*[*].eta'] }).map((d) => d.path)).toEqual([
      'body.n',
    ]);
  });

  it('tells a missing field from a null one', () => {
    expect(diffJson({ a: null }, {})).toEqual([
      { path: 'body.a', field: 'body.a', left: null, right: undefined },
    ]);
  });
});

describe('compareResponses', () => {
  it('compares status, the configured headers and the JSON body', () => {
    const options = compareOptions({ headers: ['Cache-Control'], ignore: ['updated_at'] });
    const left = json(200, { id: '1', updated_at: 'x' });
    const right = {
      ...json(404, { id: '2', updated_at: 'y' }),
      headers: { ...left.headers, 'cache-control': 'no-store' },
    };
    expect(compareResponses(left, right, options).map((d) => [d.field, d.left, d.right])).toEqual([
      ['status', 200, 404],
      ['headers.cache-control', undefined, 'no-store'],
      ['body.id', '1', '2'],
    ]);
  });

  it('compares bodies that are not JSON as a whole', () => {
    const text = (body: string) => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from(body),
      truncated: false,
    });
    const options = compareOptions();
    expect(compareResponses(text('a'), text('a'), options)).toEqual([]);
    expect(compareResponses(text('a'), text('b'), options)).toEqual([
      { path: 'body', field: 'body', left: 'a', right: 'b' },
    ]);
  });
});
