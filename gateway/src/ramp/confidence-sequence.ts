// Always-valid bounds for a rate, so a ramp may look at its evidence every interval.
//
// A fixed-sample test (a z-test, a chi-square) looked at again and again will sooner or later
// cross its threshold by chance: its 5% error rate holds for one look. The bounds here are a
// confidence sequence: with probability at least 1 - alpha, the true rate is inside them at
// every sample size at once, however often they are read. They come from Robbins' mixture
// martingale for a Bernoulli rate: for a candidate rate p0, the likelihood of the data under
// a Beta(a, b) mixture of rates against its likelihood under p0,
//
//   M_n(p0) = B(a + k, b + n - k) / B(a, b) / (p0^k (1 - p0)^(n - k)),
//
// is a non-negative martingale with mean 1 when p0 is true, so by Ville's inequality it
// exceeds 1/alpha at any n with probability at most alpha. The confidence sequence is every
// p0 whose M_n(p0) stays below 1/alpha; log M_n is convex in p0 (lowest at k/n), so the set is
// an interval and its ends are found by bisection.

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9): about 15 significant digits. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

/**
 * The mixture's prior: Beta(a, b) with mean `centre` and weight `a + b` = 1 / centre, i.e. one
 * expected event. Centred on the gate's limit, it spends its power where decisions are made.
 */
export interface Prior {
  a: number;
  b: number;
}

export function priorAround(centre: number): Prior {
  const mean = Math.min(Math.max(centre, 1e-4), 0.5);
  return { a: 1, b: (1 - mean) / mean };
}

/** log M_n(p0): the evidence against the rate being p0, after k events in n trials. */
export function logEvidence(k: number, n: number, p0: number, prior: Prior): number {
  if (n === 0) return 0;
  const logLikelihood0 = (k > 0 ? k * Math.log(p0) : 0) + (n - k > 0 ? (n - k) * Math.log(1 - p0) : 0);
  return logBeta(prior.a + k, prior.b + n - k) - logBeta(prior.a, prior.b) - logLikelihood0;
}

export interface RateBounds {
  /** k / n; undefined with no trials. */
  estimate?: number;
  lower: number;
  upper: number;
}

const tiny = 1e-12;

/** The end of the confidence set between `inside` (the estimate) and `outside` (0 or 1), by bisection. */
function edge(k: number, n: number, alpha: number, prior: Prior, inside: number, out: number): number {
  const threshold = Math.log(1 / alpha);
  // The mixture's part does not depend on p0: computed once, not at every bisection step.
  const mixture = logBeta(prior.a + k, prior.b + n - k) - logBeta(prior.a, prior.b);
  const beyond = (p: number) => mixture - k * Math.log(p) - (n - k) * Math.log(1 - p) >= threshold;
  if (!beyond(out)) return out;
  for (let i = 0; i < 40; i++) {
    const mid = (inside + out) / 2;
    if (beyond(mid)) out = mid;
    else inside = mid;
  }
  return inside;
}

/** The upper end of the confidence sequence at level 1 - alpha after k events in n trials. */
export function upperBound(k: number, n: number, alpha: number, prior: Prior): number {
  return n === 0 || k === n ? 1 : edge(k, n, alpha, prior, k / n, 1 - tiny);
}

/** The lower end of the confidence sequence at level 1 - alpha after k events in n trials. */
export function lowerBound(k: number, n: number, alpha: number, prior: Prior): number {
  return n === 0 || k === 0 ? 0 : edge(k, n, alpha, prior, k / n, tiny);
}

/**
 * The confidence sequence for a rate after k events in n trials, at level 1 - alpha: the
 * true rate is inside [lower, upper] at every n at once with probability at least 1 - alpha.
 */
export function rateBounds(k: number, n: number, alpha: number, prior: Prior): RateBounds {
  return {
    estimate: n > 0 ? k / n : undefined,
    lower: lowerBound(k, n, alpha, prior),
    upper: upperBound(k, n, alpha, prior),
  };
}
