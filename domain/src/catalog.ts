import type { DatabaseSync } from 'node:sqlite';
import { DomainError } from './errors.ts';

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  price_cents: number;
  currency: string;
}

export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

// Cursors are opaque to clients but simply the last id seen; keyset paging stays stable when
// products are added, unlike offsets.
const encodeCursor = (id: string) => Buffer.from(`after:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('after:') || encodeCursor(text.slice(6)) !== cursor)
    throw new DomainError.InvalidCursor();
  return text.slice(6);
}

const columns = 'id, sku, name, description, price_cents, currency';

/** Products and prices, read-only: the catalog never changes through the API. */
export function createCatalog(db: DatabaseSync) {
  const page = db.prepare(`SELECT ${columns} FROM products WHERE id > ? ORDER BY id LIMIT ?`);
  const byId = db.prepare(`SELECT ${columns} FROM products WHERE id = ?`);
  const byIds = db.prepare(`SELECT ${columns} FROM products WHERE id IN (SELECT value FROM json_each(?))`);
  const bySkus = db.prepare(`SELECT ${columns} FROM products WHERE sku IN (SELECT value FROM json_each(?))`);

  const toProduct = (row: Record<string, unknown>) => ({ ...row }) as unknown as Product;

  function list(limit: number, cursor?: string): ProductPage {
    const after = cursor ? decodeCursor(cursor) : '';
    const rows = page.all(after, limit + 1).map(toProduct);
    const items = rows.slice(0, limit);
    return { items, next_cursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
  }

  function get(id: string): Product {
    const row = byId.get(id);
    if (!row) throw new DomainError.ProductNotFound(id);
    return toProduct(row);
  }

  function getMany(ids: readonly string[]): Map<string, Product> {
    return new Map(byIds.all(JSON.stringify(ids)).map((row) => [row.id as string, toProduct(row)]));
  }

  function getManyBySku(skus: readonly string[]): Map<string, Product> {
    return new Map(bySkus.all(JSON.stringify(skus)).map((row) => [row.sku as string, toProduct(row)]));
  }

  return { list, get, getMany, getManyBySku };
}

export type Catalog = ReturnType<typeof createCatalog>;
