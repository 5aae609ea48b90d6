import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNoRoutes } from '@fig/testing/bff-files';
import type { FastifyInstance } from 'fastify';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildMobile } from '../../bff-mobile/src/app.ts';
import { buildApp as buildWeb } from '../../bff-web/src/app.ts';

// The GraphQL-over-HTTP conformance audit; `{ __typename }` needs no subgraph, so the BFFs
// serve their checked-in supergraphs with nothing behind them.
describe.each([
  ['bff-web', () => buildWeb({ rulesPath: rulesFile, logLevel: 'silent' })],
  ['bff-mobile', () => buildMobile({ rulesPath: rulesFile, registeredOnly: false, logLevel: 'silent' })],
])('%s GraphQL over HTTP audit', (_name, build) => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = build();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address}/graphql`;
  });
  afterAll(() => app?.close());

  it('passes every audit without errors', async () => {
    const failures: string[] = [];
    let passed = 0;
    for (const audit of serverAudits({ url: () => url })) {
      const result = await audit.fn();
      if (result.status === 'error') failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
      if (result.status === 'ok') passed += 1;
    }
    expect(failures).toEqual([]);
    // The MUST audits alone are more than twenty; a server that answered nothing would not pass them.
    expect(passed).toBeGreaterThan(20);
  });
});

let dir: string;
let rulesFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'graphql-audit-'));
  rulesFile = writeNoRoutes(join(dir, 'routes.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
