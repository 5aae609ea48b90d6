import { catalogSize, seedProducts } from '@fig/domain';
import { describe, expect, it } from 'vitest';
import { monolithPerSuite, startMonolith } from './support/start-monolith.ts';

describe('catalog', () => {
  const monolith = monolithPerSuite();

  it('pages through the whole seeded catalog with limit and cursor, each product once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=50&cursor=${cursor}` : '?limit=50';
      const page = await monolith.call(`/api/products${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(50);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(catalogSize);
    expect(new Set(seen).size).toBe(catalogSize);
    expect(seen).toEqual(seedProducts.map((p) => p.id));
  });

  it('defaults to 20 products with their seeded fields and current stock', async () => {
    const page = await monolith.call('/api/products');
    expect(page.body.items).toHaveLength(20);
    const { stock, ...seeded } = seedProducts[0];
    expect(page.body.items[0]).toEqual({ ...seeded, stock });
  });

  it('serves one product by id and 404s an unknown one', async () => {
    const product = seedProducts[41];
    expect((await monolith.call(`/api/products/${product.id}`)).body).toMatchObject({
      id: product.id,
      sku: product.sku,
    });
    const missing = await monolith.call('/api/products/prd_9999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PRODUCT_NOT_FOUND');
  });

  it.each([
    ['a limit that is not a number', '?limit=ten', 'VALIDATION_FAILED'],
    ['a limit above 100', '?limit=101', 'VALIDATION_FAILED'],
    ['a zero limit', '?limit=0', 'VALIDATION_FAILED'],
    ['an unknown parameter', '?page=2', 'VALIDATION_FAILED'],
    ['a forged cursor', '?cursor=bm90LWEtY3Vyc29y', 'INVALID_CURSOR'],
  ])('rejects %s with 400', async (_name, query, code) => {
    const response = await monolith.call(`/api/products${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
  });
});

describe('seed', () => {
  it('maps product ids and skus one to one, has dev users, and scarce as well as plentiful stock', async () => {
    const { productIdForSku, skuForProductId, seedUsers } = await import('@fig/domain');
    expect(seedProducts.length).toBeGreaterThanOrEqual(200);
    for (const product of seedProducts) {
      expect(skuForProductId(product.id)).toBe(product.sku);
      expect(productIdForSku(product.sku)).toBe(product.id);
      expect(product.price_cents).toBeGreaterThan(0);
    }
    expect(seedUsers.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(seedProducts.some((p) => p.stock === 0)).toBe(true);
    expect(seedProducts.some((p) => p.stock > 0 && p.stock <= 5)).toBe(true);
    expect(seedProducts.some((p) => p.stock >= 100)).toBe(true);
  });
});

describe('openapi', () => {
  it('documents every domain route from the same schemas that validate it', async () => {
    const monolith = await startMonolith();
    try {
      const document = (await monolith.call('/openapi.json')).body;
      for (const path of ['/api/products', '/api/checkout', '/api/payments/{id}/refunds']) {
        expect(Object.keys(document.paths)).toContain(path);
      }
      // The public document shows the public API only; /internal lives on the internal listener.
      expect(Object.keys(document.paths).filter((path) => path.startsWith('/internal'))).toEqual([]);
      const checkout = document.paths['/api/checkout'].post;
      expect(checkout.requestBody.content['application/json'].schema.required).toEqual([
        'cart_id',
        'payment_method',
        'shipping_address',
      ]);
    } finally {
      await monolith.close();
    }
  });
});
