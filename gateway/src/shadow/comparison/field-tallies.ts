import type { Counters } from './comparison-store.ts';
import { classifyField, type FieldVerdict, type Thresholds } from './noise-filter.ts';

/**
 * Counter name of a comparison's set of differing fields: `set|<field>\t<field>…`, sorted.
 * Counting sets (a route has few: the same fields tend to differ together) lets every
 * comparison be labelled again under the noise classification of now, not of when it was
 * recorded: while a field's noise is still being learnt its differences look real, and a
 * label fixed then would count them as mismatches for good.
 */
export const setPrefix = 'set|';
export const setSeparator = '\t';
/** Distinct sets tracked per route; comparisons beyond count under this one, judged as a mismatch. */
export const otherSet = '(other sets)';

export function setCounter(fields: readonly string[]): string {
  return `${setPrefix}${[...fields].sort().join(setSeparator)}`;
}

export interface Outcomes {
  compared: number;
  /** Nothing differed. */
  matched: number;
  /** Only noise fields differed. */
  noise: number;
  /** At least one real difference. */
  mismatched: number;
  /** Per real field, the comparisons in which it differed. */
  realFields: { field: string; differences: number }[];
}

/** The verdict of each field under the learnt noise of `totals` (all comparisons so far). */
export function fieldVerdicts(totals: Counters, thresholds: Thresholds): Map<string, FieldVerdict> {
  const count = (name: string) => totals.get(name) ?? 0;
  const compared = count('compared');
  const noiseProbes = count('noise_probes');
  const verdicts = new Map<string, FieldVerdict>();
  for (const name of totals.keys()) {
    if (!name.startsWith('diff|')) continue;
    const field = name.slice(5);
    verdicts.set(
      field,
      classifyField(
        { differences: count(name), compared, noiseDifferences: count(`noisediff|${field}`), noiseProbes },
        thresholds,
      ),
    );
  }
  return verdicts;
}

/**
 * Matched, noise and mismatched comparisons among `counts` (all of them, or one ramp step's
 * share of them), each labelled by today's verdicts.
 */
export function outcomes(counts: Counters, verdicts: ReadonlyMap<string, FieldVerdict>): Outcomes {
  let differing = 0;
  let noise = 0;
  let mismatched = 0;
  for (const [name, n] of counts) {
    if (!name.startsWith(setPrefix) || n === 0) continue;
    differing += n;
    const fields = name.slice(setPrefix.length);
    const real =
      fields === otherSet || fields.split(setSeparator).some((field) => verdicts.get(field) === 'real');
    if (real) mismatched += n;
    else noise += n;
  }
  const compared = counts.get('compared') ?? 0;
  const realFields = [...verdicts]
    .filter(([, verdict]) => verdict === 'real')
    .map(([field]) => ({ field, differences: counts.get(`diff|${field}`) ?? 0 }))
    .filter((field) => field.differences > 0)
    .sort((a, b) => b.differences - a.differences);
  return { compared, matched: Math.max(0, compared - differing), noise, mismatched, realFields };
}
