import { describe, expect, it } from 'vitest';
import { MemoryComparisonStore } from '../../src/shadow/comparison/memory-comparison-store.ts';

const example = (at: number) => ({
  at,
  method: 'GET',
  url: '/x',
  path: 'body.n',
  shown: true,
  left: 1,
  right: 2,
  leftSide: 'monolith',
  rightSide: 'service',
  status: [200, 200] as [number, number],
});

describe('the in-memory comparison store', () => {
  it('buckets the timeline by time and forgets buckets past retention', async () => {
    let now = 1_000_000;
    const store = new MemoryComparisonStore({ bucketMs: 1000, retentionMs: 5000, now: () => now });
    store.add('r', { compared: 1 }, { compared: 1 });
    now += 1000;
    store.add('r', { compared: 1 }, { compared: 1 });
    store.add('r', { compared: 1 }, { compared: 1 });
    now += 10_000;
    store.add('r', { compared: 1 }, { compared: 1 });
    const state = store.current('r');
    expect(state.get('compared')).toBe(4);
    return store.snapshot().then((routes) => {
      expect([...routes.get('r')!.timeline].map(([t, c]) => [t, c.get('compared')])).toEqual([
        [1_011_000, 1],
      ]);
    });
  });

  it('forgets examples older than their time to live', async () => {
    let now = 10_000;
    const store = new MemoryComparisonStore({ exampleTtlMs: 5_000, now: () => now });
    store.addExample('r', 'body.n', example(4_000));
    store.addExample('r', 'body.n', example(6_000));
    store.addExample('r', 'body.m', example(7_000));
    expect(
      (await store.snapshot())
        .get('r')!
        .examples.get('body.n')!
        .map((e) => e.at),
    ).toEqual([6_000]);
    now = 20_000;
    expect([...(await store.snapshot()).get('r')!.examples.keys()]).toEqual([]);
  });

  it('merges counts recorded elsewhere into the right time buckets, keeping the newest examples', async () => {
    const here = new MemoryComparisonStore({ bucketMs: 1000, examplesPerField: 2, now: () => 5_000 });
    const there = new MemoryComparisonStore({ bucketMs: 1000, now: () => 5_000 });
    here.add('r', { 'requests|monolith': 2 });
    here.addExample('r', 'body.n', example(1));
    there.add('r', { 'requests|monolith': 3 }, { 'requests|monolith': 3 });
    there.addExample('r', 'body.n', example(2));
    there.addExample('r', 'body.n', example(3));
    here.merge(there.drain());
    const state = (await here.snapshot()).get('r')!;
    expect(state.counters.get('requests|monolith')).toBe(5);
    expect(state.timeline.get(5_000)?.get('requests|monolith')).toBe(3);
    expect(state.examples.get('body.n')?.map((e) => e.at)).toEqual([3, 2]);
    expect((await there.snapshot()).size).toBe(0);
  });
});
