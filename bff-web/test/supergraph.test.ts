import { readFileSync } from 'node:fs';
import { composeSupergraphFile, loadSupergraph } from '@fig/federation';
import { describe, expect, it } from 'vitest';
import { webSubgraphs } from '../src/compose.ts';

describe('bff-web supergraph', () => {
  const composed = composeSupergraphFile(webSubgraphs());

  it('composes from the subgraph SDL files without errors', () => {
    expect(composed.ok ? [] : composed.errors).toEqual([]);
  });

  it('is checked in up to date (npm run compose)', () => {
    const checkedIn = readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8');
    expect(composed.ok && checkedIn === composed.supergraphSdl, 'bff-web/supergraph.graphql is stale').toBe(
      true,
    );
  });

  it('moves the contract fields by the route-name labels', () => {
    const labels = loadSupergraph(
      readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8'),
    ).overrideLabels;
    expect(labels).toEqual(['carts', 'checkout', 'inventory', 'payments']);
  });
});
