import { randomUUID } from 'node:crypto';

// Product ids and skus share one number, so either side of a split (catalog in the monolith,
// stock in the inventory service) can translate without a lookup.
const productPrefix = 'prd_';
const skuPrefix = 'SKU-';
const digits = 4;

export function productIdFor(position: number): string {
  return `${productPrefix}${String(position).padStart(digits, '0')}`;
}

export function skuFor(position: number): string {
  return `${skuPrefix}${String(position).padStart(digits, '0')}`;
}

/** `prd_0042` -> `SKU-0042`; undefined for anything that is not a product id. */
export function skuForProductId(id: string): string | undefined {
  return /^prd_\d{4,}$/.test(id) ? skuPrefix + id.slice(productPrefix.length) : undefined;
}

/** `SKU-0042` -> `prd_0042`; undefined for anything that is not a sku. */
export function productIdForSku(sku: string): string | undefined {
  return /^SKU-\d{4,}$/.test(sku) ? productPrefix + sku.slice(skuPrefix.length) : undefined;
}

/** Opaque, prefixed ids (`ord_…`, `pay_…`) so a stray id in a log says what it names. */
export function newId(prefix: 'cart' | 'ord' | 'pay' | 're' | 'res'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}
