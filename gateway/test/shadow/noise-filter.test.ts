import { describe, expect, it } from 'vitest';
import { classifyField } from '../../src/shadow/comparison/noise-filter.ts';

const thresholds = { relativeThreshold: 20, absoluteThreshold: 0.03 };

describe('classifyField', () => {
  it('calls a field that differs only against the other side real', () => {
    expect(
      classifyField({ differences: 40, compared: 40, noiseDifferences: 0, noiseProbes: 20 }, thresholds),
    ).toBe('real');
  });

  it('calls a field that differs as often between two answers of the same side noise', () => {
    expect(
      classifyField({ differences: 40, compared: 40, noiseDifferences: 20, noiseProbes: 20 }, thresholds),
    ).toBe('noise');
  });

  it('needs the difference rate to clear both the relative and the absolute threshold', () => {
    // 60% against a noise rate of 55%: 5 points above it, but only 9% more than it.
    expect(
      classifyField({ differences: 60, compared: 100, noiseDifferences: 11, noiseProbes: 20 }, thresholds),
    ).toBe('noise');
    expect(
      classifyField(
        { differences: 60, compared: 100, noiseDifferences: 11, noiseProbes: 20 },
        {
          relativeThreshold: 5,
          absoluteThreshold: 0.03,
        },
      ),
    ).toBe('real');
    expect(
      classifyField({ differences: 1, compared: 100_000, noiseDifferences: 0, noiseProbes: 20 }, thresholds),
    ).toBe('noise');
  });
});
