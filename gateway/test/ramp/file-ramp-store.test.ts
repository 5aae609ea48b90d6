import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRampStore } from '../../src/ramp/file-ramp-store.ts';
import type { RampState } from '../../src/ramp/ramp-state.ts';

const root = scratchDirPerSuite('fig-ramp-store-');
let made = 0;
/** A directory of its own for each test. */
const scratch = () => {
  const dir = join(root, String(++made));
  mkdirSync(dir);
  return dir;
};

const state = (revision: number, share: number): RampState => ({
  route: 'inventory',
  rampId: 'abc',
  revision,
  status: 'ramping',
  step: 0,
  share,
  since: 0,
  baseline: {},
  window: { requests: 0, errors: 0 },
  log: [],
});

describe('ramp states in a file', () => {
  it('keeps them across instances, and takes a write only over the revision it was made from', async () => {
    const dir = scratch();
    const store = new FileRampStore(dir);
    expect(await store.save(state(1, 5), true)).toBe(true);
    expect(await store.save(state(1, 50), true)).toBe(false);
    expect(await store.save(state(2, 25), true)).toBe(true);
    expect((await new FileRampStore(dir).load()).get('inventory')?.share).toBe(25);
  });

  it('keeps an unreadable file aside and starts with no state, never a guessed one', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'ramps.json'), '{"inventory": {"share": 10');
    const store = new FileRampStore(dir);
    expect((await store.load()).size).toBe(0);
    expect(readdirSync(dir).filter((name) => name.startsWith('ramps.json.unreadable-'))).toHaveLength(1);
  });
});
