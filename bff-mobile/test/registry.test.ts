import { readFileSync } from 'node:fs';
import {
  composeSupergraphFile,
  defaultOperationLimits,
  judgeOperationLimits,
  loadSupergraph,
} from '@fig/federation';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultDocumentsPath, defaultSupergraphPath } from '../src/app.ts';
import { mobileSubgraphs } from '../src/compose.ts';
import { parseManifest } from '../src/trusted-documents.ts';

describe('bff-mobile supergraph and registry', () => {
  const composed = composeSupergraphFile(mobileSubgraphs());
  const checkedIn = readFileSync(defaultSupergraphPath, 'utf8');

  it('composes without errors and is checked in up to date (npm run compose)', () => {
    expect(composed.ok ? [] : composed.errors).toEqual([]);
    expect(
      composed.ok && checkedIn === composed.supergraphSdl,
      'bff-mobile/supergraph.graphql is stale',
    ).toBe(true);
  });

  it('registers only operations that are valid against the mobile graph, under their sha256', () => {
    const documents = parseManifest(readFileSync(defaultDocumentsPath, 'utf8'));
    const { schema } = loadSupergraph(checkedIn);
    expect(documents.size).toBeGreaterThan(0);
    for (const body of documents.values())
      expect(validate(schema, parse(body)).map((e) => e.message)).toEqual([]);
  });

  it('registers only operations within the operation limits the BFF applies to them', () => {
    const documents = parseManifest(readFileSync(defaultDocumentsPath, 'utf8'));
    for (const body of documents.values()) {
      const document = parse(body, { maxTokens: defaultOperationLimits.maxTokens });
      expect(judgeOperationLimits(document, defaultOperationLimits).refusal).toBeUndefined();
    }
  });

  it('refuses a registry whose id does not match its document', () => {
    const forged = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'a'.repeat(64), name: 'Evil', type: 'query', body: '{ me { id } }' }],
    };
    expect(() => parseManifest(JSON.stringify(forged))).toThrow('operation Evil: id is not sha256(body)');
  });
});
