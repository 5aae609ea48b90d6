import { describe, expect, it } from 'vitest';
import { parseRules } from '../src/parse.ts';

const result = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
  web: { url: http://127.0.0.1:4001 }
defaults: { auth: none }
routes:
  - { name: api, path: /api, upstream: web }
  - { name: inventory, path: /api/inventory, service: inventory, percent: 50, methods: [GET, POST] }
  - { name: reservations, path: /api/inventory/reservations }
  - { name: root-static, path: /static }
`);
if (!result.ok) throw new Error('fixture invalid');
const { rules } = result;

describe('match', () => {
  it.each([
    ['GET', '/api/inventory', 'inventory'],
    ['GET', '/api/inventory/sku-1', 'inventory'],
    ['GET', '/api/inventory/', 'inventory'],
    ['HEAD', '/api/inventory/sku-1', 'inventory'],
    ['GET', '/api/inventory/reservations/9', 'reservations'],
    ['GET', '/api/inventoryx', 'api'],
    ['DELETE', '/api/inventory/sku-1', 'api'],
    ['GET', '/api', 'api'],
    ['GET', '/apix', 'default'],
    ['GET', '/', 'default'],
    ['GET', '/static/a.js', 'root-static'],
  ])('%s %s -> %s (longest prefix on a segment boundary, methods honoured)', (method, path, expected) => {
    expect(rules.match(method, path).name).toBe(expected);
  });

  it('sends unmatched paths to the monolith with the defaults', () => {
    expect(rules.match('GET', '/nowhere')).toMatchObject({ implicit: true, auth: 'none', percent: 0 });
  });
});
