import { describe, expect, it } from 'vitest';
import { expectInternalSurfacesAbsent } from '@fig/testing/internal-surfaces';
import { jsonRequest } from '@fig/testing/json-request';
import { storeServicePerSuite } from '@fig/testing/store-service';

// A service's subgraph resolves stock for the BFFs: it lives on the internal listener, and the
// public port (what the gateway forwards to) has no such route, whoever asks.
const inventory = storeServicePerSuite('services/inventory');

const entities = {
  query:
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { sku available } } } }',
  variables: { r: [{ __typename: 'Product', id: 'prd_0005' }] },
};

describe('inventory listeners', () => {
  it('answers the subgraph, metrics and health on the public port with a JSON 404', async () => {
    await expectInternalSurfacesAbsent(inventory.url, await inventory.identity.serviceToken('checkout'));
    const lookup = await jsonRequest(`${inventory.url}/graphql`, { body: entities });
    expect(lookup.status).toBe(404);
  });

  it('keeps the public REST on the public port', async () => {
    expect((await jsonRequest(`${inventory.url}/api/inventory/SKU-0005`)).body.sku).toBe('SKU-0005');
  });

  it('serves them on the internal port, verifying tokens there too', async () => {
    const internal = inventory.internalUrl!;
    expect((await jsonRequest(`${internal}/health/ready`)).body.status).toBe('ready');
    expect(await fetch(`${internal}/metrics`).then((r) => r.text())).toContain(
      'http_server_request_duration',
    );
    const lookup = await jsonRequest(`${internal}/graphql`, { body: entities });
    expect(lookup.body.data._entities).toEqual([
      { id: 'prd_0005', stock: { sku: 'SKU-0005', available: expect.any(Number) } },
    ]);
    const forged = await jsonRequest(`${internal}/graphql`, { body: entities, token: 'forged.token.here' });
    expect(forged.status).toBe(401);
  });
});
