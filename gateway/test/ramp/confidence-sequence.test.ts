import { describe, expect, it } from 'vitest';
import { priorAround, rateBounds } from '../../src/ramp/confidence-sequence.ts';

/** A seeded generator, so the test sees the same streams every run. */
function generator(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the confidence sequence', () => {
  it('keeps the true rate inside at every look, at its level, however often it is read', () => {
    const random = generator(7);
    const truth = 0.05;
    const alpha = 0.05;
    const streams = 300;
    let missed = 0;
    for (let s = 0; s < streams; s++) {
      let k = 0;
      for (let n = 1; n <= 1500; n++) {
        if (random() < truth) k++;
        // Read after every answer, as a ramp judging every interval would (and far more often).
        const { lower, upper } = rateBounds(k, n, alpha, priorAround(truth));
        if (truth < lower || truth > upper) {
          missed++;
          break;
        }
      }
    }
    // Ville's inequality bounds the share of streams that ever exclude the truth by alpha.
    expect(missed / streams).toBeLessThanOrEqual(alpha);
  });

  it('narrows with evidence and always holds the observed rate', () => {
    const widths = [100, 1000, 10000].map((n) => {
      const bounds = rateBounds(n / 100, n, 0.01, priorAround(0.01));
      expect(bounds.lower).toBeLessThanOrEqual(0.01);
      expect(bounds.upper).toBeGreaterThanOrEqual(0.01);
      return bounds.upper - bounds.lower;
    });
    expect(widths[1]).toBeLessThan(widths[0]!);
    expect(widths[2]).toBeLessThan(widths[1]!);
    expect(rateBounds(0, 0, 0.01, priorAround(0.01))).toEqual({ lower: 0, upper: 1 });
  });
});
