import { productIdFor, skuFor } from './ids.ts';
import { hashPassword } from './passwords.ts';

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  /** Units on hand when the database is created. */
  stock: number;
}

export interface SeedUser {
  id: string;
  username: string;
  name: string;
  password_hash: string;
  /** Scopes a token for this user may carry. */
  scopes: string[];
}

export const catalogSize = 240;
export const catalogCurrency = 'EUR';
export const devPassword = 'password';

// A tiny fixed-seed PRNG (mulberry32): the same catalog on every machine, in every process.
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const adjectives = [
  'Classic',
  'Compact',
  'Rugged',
  'Smart',
  'Vintage',
  'Wireless',
  'Deluxe',
  'Eco',
  'Travel',
  'Studio',
];
const materials = [
  'Oak',
  'Steel',
  'Cotton',
  'Ceramic',
  'Leather',
  'Bamboo',
  'Glass',
  'Wool',
  'Copper',
  'Linen',
];
const nouns = [
  'Lamp',
  'Kettle',
  'Backpack',
  'Mug',
  'Chair',
  'Speaker',
  'Notebook',
  'Blanket',
  'Clock',
  'Planter',
  'Knife',
  'Scarf',
];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)];
}

/**
 * Stock levels are chosen so tests have both plenty and scarcity: every tenth product has a
 * handful of units, every twenty-fifth none at all.
 */
function stockFor(position: number, next: () => number): number {
  if (position % 25 === 0) return 0;
  if (position % 10 === 0) return 1 + Math.floor(next() * 5);
  return 20 + Math.floor(next() * 480);
}

function buildCatalog(): SeedProduct[] {
  const next = random(0xf16);
  const products: SeedProduct[] = [];
  for (let position = 1; position <= catalogSize; position++) {
    const adjective = pick(next, adjectives);
    const material = pick(next, materials);
    const noun = pick(next, nouns);
    products.push({
      id: productIdFor(position),
      sku: skuFor(position),
      name: `${adjective} ${material} ${noun}`,
      description: `A ${adjective.toLowerCase()} ${noun.toLowerCase()} made of ${material.toLowerCase()}.`,
      price_cents: 199 + Math.floor(next() * 199) * 100,
      currency: catalogCurrency,
      stock: stockFor(position, next),
    });
  }
  return products;
}

export const seedProducts: readonly SeedProduct[] = Object.freeze(buildCatalog());

const userScopes = ['profile', 'catalog:read', 'cart:write', 'orders:read', 'checkout', 'payments:write'];

export const seedUsers: readonly SeedUser[] = Object.freeze([
  {
    id: 'usr_alice',
    username: 'alice',
    name: 'Alice Archer',
    password_hash: hashPassword(devPassword, 'fig-dev-alice'),
    scopes: userScopes,
  },
  {
    id: 'usr_bob',
    username: 'bob',
    name: 'Bob Builder',
    password_hash: hashPassword(devPassword, 'fig-dev-bob'),
    scopes: userScopes,
  },
]);
