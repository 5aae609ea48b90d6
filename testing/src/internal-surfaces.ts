import { expect } from 'vitest';
import { jsonRequest, type JsonRequestOptions } from './json-request.ts';

/**
 * What only Fig's own parts may reach on a backend (subgraph, metrics, health, `/internal/*`),
 * in the spellings a router might fold onto a route: case, a trailing slash, a doubled slash,
 * a percent-encoded letter, a matrix parameter, a query.
 */
export const internalOnlyRequests: [string, JsonRequestOptions][] = [
  ['/graphql', { body: { query: '{ __typename }' } }],
  ['/graphql?query=%7B__typename%7D', {}],
  ['/GRAPHQL', { body: { query: '{ __typename }' } }],
  ['/graphql/', { body: { query: '{ __typename }' } }],
  ['//graphql', { body: { query: '{ __typename }' } }],
  ['/%67raphql', { body: { query: '{ __typename }' } }],
  ['/graphql;x=1', { body: { query: '{ __typename }' } }],
  ['/metrics', {}],
  ['/metrics?format=json', {}],
  ['/health/ready', {}],
  ['/health/live', {}],
  ['/Health/Ready', {}],
  ['/internal/orders/x', { method: 'PUT', body: {} }],
  ['/internal/keys/rotate', { method: 'POST' }],
];

/**
 * Every internal-only request answers the public port with a JSON 404, whatever the caller
 * holds (`token`: one that would pass on the internal port, so the route's absence is what refuses).
 */
export async function expectInternalSurfacesAbsent(publicUrl: string, token?: string) {
  for (const [path, init] of internalOnlyRequests) {
    const response = await jsonRequest(publicUrl + path, { ...init, token });
    expect([path, response.status, response.body?.error?.code]).toEqual([path, 404, 'NOT_FOUND']);
  }
}
