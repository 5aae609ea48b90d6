import type { ApolloServerPlugin } from '@apollo/server';
import type { FederationMetrics } from './federation-metrics.ts';

const maxNames = 500;
const validName = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** Counts operations by name and outcome; names are client-chosen, so their number is capped. */
export function operationMetricsPlugin(metrics: FederationMetrics): ApolloServerPlugin {
  const seen = new Set<string>();
  const label = (name: string | null | undefined) => {
    if (!name) return 'anonymous';
    if (seen.has(name)) return name;
    if (!validName.test(name) || seen.size >= maxNames) return 'other';
    seen.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const outcome = !errors?.length ? 'ok' : data ? 'partial' : 'error';
          metrics.operations.inc({ operation: label(operationName), outcome });
        },
      };
    },
  };
}
