export { compileRules } from './compile.ts';
export { parseDuration } from './duration.ts';
export { dryRunHeader, isWrite, safeMethods } from './methods.ts';
export { formatProblem, loadRulesFile, parseRules } from './parse.ts';
export { type OverrideLabels, overrideLabelOn, watchOverrideLabels } from './override-labels.ts';
export { rulesSchema } from './schema.ts';
export { chooseBackend, type Requester, stickyBucket, stickyKey, upstreamFor } from './sticky.ts';
export type * from './types.ts';
export { RulesError, type RulesWatcher, type WatchOptions, watchRules } from './watch.ts';
export { type NormalisedPath, normalisePath } from './normalise-path.ts';
export {
  effectivePercent,
  type RampShare,
  type RampShareSource,
  rampSharesKey,
  withShares,
} from './effective-shares.ts';
