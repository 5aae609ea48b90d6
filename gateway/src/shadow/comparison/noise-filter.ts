/** How often one field differed: against the other side, and between two answers of the same side. */
export interface FieldCounts {
  /** Comparisons (serving side vs other side) in which the field differed. */
  differences: number;
  /** Comparisons made. */
  compared: number;
  /** Noise probes (serving side asked twice) in which the field differed. */
  noiseDifferences: number;
  /** Noise probes made. */
  noiseProbes: number;
}

export interface Thresholds {
  /** Percent by which the difference rate must exceed the noise rate, relative to it. */
  relativeThreshold: number;
  /** Percentage points by which the difference rate must exceed the noise rate. */
  absoluteThreshold: number;
}

export type FieldVerdict = 'real' | 'noise';

const rate = (count: number, total: number) => (total > 0 ? count / total : 0);

/**
 * Diffy's rule: a field is a real difference only when its difference rate clearly exceeds
 * its noise rate — by more than `absoluteThreshold` percentage points AND by more than
 * `relativeThreshold` percent of the noise rate. A timestamp differs in every comparison
 * and in every noise probe, so it is noise; an amount that differs only against the other
 * side is real. A field that differs so rarely it stays under the absolute threshold is
 * noise too: it cannot be told apart from chance.
 */
export function classifyField(counts: FieldCounts, thresholds: Thresholds): FieldVerdict {
  const differenceRate = rate(counts.differences, counts.compared) * 100;
  const noiseRate = rate(counts.noiseDifferences, counts.noiseProbes) * 100;
  const excess = differenceRate - noiseRate;
  const relative = noiseRate > 0 ? (excess / noiseRate) * 100 : Number.POSITIVE_INFINITY;
  return excess > thresholds.absoluteThreshold && relative > thresholds.relativeThreshold ? 'real' : 'noise';
}
