import { watchOverrideLabels } from '@fig/routing-rules';
import { defaultRulesPath } from '@fig/routing-rules/paths';
import { type BffOptions, createBffApp } from './bff-app.ts';
import { redisRampShares } from './ramp-shares.ts';

/** What a client BFF's caller may set: everything but what makes that BFF itself. */
export type ClientBffOptions = Partial<
  Omit<BffOptions, 'service' | 'localSubgraphs' | 'preHandler' | 'overrides'>
> & {
  /** routes.yaml: override labels follow its routes, as the gateway's REST routing does. */
  rulesPath?: string;
  /** Where the gateways keep ramp shares: labels of ramped routes follow them. */
  redisUrl?: string;
};

/** A BFF whose `@override` labels follow routes.yaml, so a user sees one side over REST and GraphQL. */
export function createRoutedBffApp({
  rulesPath = defaultRulesPath,
  redisUrl,
  ...options
}: Omit<BffOptions, 'overrides'> & { rulesPath?: string; redisUrl?: string }) {
  return createBffApp({
    ...options,
    overrides: (events) =>
      watchOverrideLabels(rulesPath, events, redisUrl ? redisRampShares(redisUrl) : undefined),
  });
}
