import { seedProducts } from '@fig/domain';
import { describe, expect, it } from 'vitest';
import { monolithPerSuite } from './support/start-monolith.ts';

const plenty = seedProducts.find((p) => p.stock >= 100)!;
const scarce = seedProducts.find((p) => p.stock >= 2 && p.stock <= 5)!;
const none = seedProducts.find((p) => p.stock === 0)!;

describe('inventory', () => {
  let now = Date.now();
  const monolith = monolithPerSuite({ clock: () => now, service: 'checkout' });

  const stockOf = async (sku: string) => (await monolith.asService(`/api/inventory/${sku}`)).body;
  const reserve = (items: { sku: string; quantity: number }[], ttl_seconds = 60) =>
    monolith.asService('/api/inventory/reservations', { body: { items, ttl_seconds } });

  it('reports seeded availability and 404s an unknown sku', async () => {
    expect(await stockOf(plenty.sku)).toEqual({ sku: plenty.sku, available: plenty.stock, reserved: 0 });
    const missing = await monolith.asService('/api/inventory/SKU-9999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SKU_NOT_FOUND');
  });

  it('holds reserved units until the reservation is released', async () => {
    const created = await reserve([{ sku: plenty.sku, quantity: 3 }]);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'active', items: [{ sku: plenty.sku, quantity: 3 }] });
    expect(new Date(created.body.expires_at).getTime()).toBe(now + 60_000);
    expect(await stockOf(plenty.sku)).toEqual({ sku: plenty.sku, available: plenty.stock - 3, reserved: 3 });

    const id = created.body.reservation_id;
    expect((await monolith.asService(`/api/inventory/reservations/${id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await monolith.asService(`/api/inventory/reservations/${id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await stockOf(plenty.sku)).toEqual({ sku: plenty.sku, available: plenty.stock, reserved: 0 });
    expect((await monolith.asService(`/api/inventory/reservations/${id}`)).body.status).toBe('released');
  });

  it('refuses to reserve more than is available, all or nothing', async () => {
    const refused = await reserve([
      { sku: plenty.sku, quantity: 1 },
      { sku: scarce.sku, quantity: scarce.stock + 1 },
    ]);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'OUT_OF_STOCK',
      message: expect.stringContaining(scarce.sku),
    });
    expect((await stockOf(plenty.sku)).reserved).toBe(0);
    expect((await reserve([{ sku: none.sku, quantity: 1 }])).status).toBe(409);
    expect((await reserve([{ sku: 'SKU-9999', quantity: 1 }])).status).toBe(404);
  });

  it('counts duplicate lines together', async () => {
    const refused = await reserve([
      { sku: scarce.sku, quantity: scarce.stock },
      { sku: scarce.sku, quantity: 1 },
    ]);
    expect(refused.status).toBe(409);
  });

  it('gives the units back when the reservation expires', async () => {
    const created = await reserve([{ sku: scarce.sku, quantity: scarce.stock }], 30);
    expect((await stockOf(scarce.sku)).available).toBe(0);
    expect((await reserve([{ sku: scarce.sku, quantity: 1 }])).status).toBe(409);
    now += 30_000;
    expect(await stockOf(scarce.sku)).toEqual({ sku: scarce.sku, available: scarce.stock, reserved: 0 });
    const id = created.body.reservation_id;
    expect((await monolith.asService(`/api/inventory/reservations/${id}`)).body.status).toBe('expired');
    const late = await monolith.asService(`/api/inventory/reservations/${id}/commit`, { method: 'POST' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('RESERVATION_NOT_ACTIVE');
  });

  it('commits a reservation: the units leave stock for good, once', async () => {
    const created = await reserve([{ sku: plenty.sku, quantity: 2 }]);
    const id = created.body.reservation_id;
    for (let i = 0; i < 2; i++) {
      const committed = await monolith.asService(`/api/inventory/reservations/${id}/commit`, {
        method: 'POST',
      });
      expect(committed.status).toBe(200);
      expect(committed.body.status).toBe('committed');
    }
    expect(await stockOf(plenty.sku)).toEqual({ sku: plenty.sku, available: plenty.stock - 2, reserved: 0 });
    const release = await monolith.asService(`/api/inventory/reservations/${id}`, { method: 'DELETE' });
    expect(release.status).toBe(409);
    expect(
      (await monolith.asService('/api/inventory/reservations/res_unknown', { method: 'DELETE' })).status,
    ).toBe(404);
  });

  it('never oversells under concurrent reservations', async () => {
    const target = seedProducts.filter((p) => p.stock >= 2 && p.stock <= 5)[1];
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () => reserve([{ sku: target.sku, quantity: 1 }])),
    );
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(target.stock);
    expect(attempts.filter((a) => a.status === 409)).toHaveLength(12 - target.stock);
    expect(await stockOf(target.sku)).toEqual({ sku: target.sku, available: 0, reserved: target.stock });
  });

  it.each([
    ['a negative quantity', { items: [{ sku: 'SKU-0001', quantity: -1 }] }],
    ['a zero quantity', { items: [{ sku: 'SKU-0001', quantity: 0 }] }],
    ['a quantity as a string', { items: [{ sku: 'SKU-0001', quantity: '1' }] }],
    ['a fractional quantity', { items: [{ sku: 'SKU-0001', quantity: 1.5 }] }],
    ['no items', { items: [] }],
    ['an unknown field', { items: [{ sku: 'SKU-0001', quantity: 1 }], hold: true }],
    ['an unknown item field', { items: [{ sku: 'SKU-0001', quantity: 1, colour: 'red' }] }],
    ['a negative ttl', { items: [{ sku: 'SKU-0001', quantity: 1 }], ttl_seconds: -5 }],
    ['malformed JSON', '{"items": [}'],
  ])('answers %s with a JSON 400', async (_name, body) => {
    const response = await monolith.asService('/api/inventory/reservations', { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  });
});
