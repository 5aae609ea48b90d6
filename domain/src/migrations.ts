import type { DatabaseSync } from 'node:sqlite';
import { eventTablesMigration } from './events/event-tables.ts';
import { seedProducts, seedUsers } from './seed.ts';

export interface Migration {
  /** Unique and never reused: applied ids are recorded in `schema_migrations`. */
  id: string;
  up(db: DatabaseSync): void;
}

const schema = `
CREATE TABLE products (
  id TEXT PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  currency TEXT NOT NULL
);
CREATE TABLE stock (
  sku TEXT PRIMARY KEY,
  on_hand INTEGER NOT NULL CHECK (on_hand >= 0)
);
CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('active', 'released', 'committed')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX reservations_by_status ON reservations (status, expires_at);
CREATE TABLE reservation_items (
  reservation_id TEXT NOT NULL REFERENCES reservations (id),
  sku TEXT NOT NULL REFERENCES stock (sku),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (reservation_id, sku)
);
CREATE INDEX reservation_items_by_sku ON reservation_items (sku);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  scopes TEXT NOT NULL
);
CREATE TABLE carts (
  id TEXT PRIMARY KEY,
  user_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'checked_out')),
  created_at INTEGER NOT NULL
);
CREATE TABLE cart_items (
  cart_id TEXT NOT NULL REFERENCES carts (id),
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  position INTEGER NOT NULL,
  PRIMARY KEY (cart_id, sku)
);
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
  currency TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  order_ref TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE refunds (
  id TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments (id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  created_at INTEGER NOT NULL
);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
  currency TEXT NOT NULL,
  payment_id TEXT,
  shipping_address TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX orders_by_user ON orders (user_id, created_at);
CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders (id),
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, sku)
);
`;

function seed(db: DatabaseSync) {
  const product = db.prepare(
    'INSERT INTO products (id, sku, name, description, price_cents, currency) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const stock = db.prepare('INSERT INTO stock (sku, on_hand) VALUES (?, ?)');
  for (const p of seedProducts) {
    product.run(p.id, p.sku, p.name, p.description, p.price_cents, p.currency);
    stock.run(p.sku, p.stock);
  }
  const user = db.prepare(
    'INSERT INTO users (id, username, name, password_hash, scopes) VALUES (?, ?, ?, ?, ?)',
  );
  for (const u of seedUsers) user.run(u.id, u.username, u.name, u.password_hash, u.scopes.join(' '));
}

/** The domain schema and its deterministic seed; every deployable's database starts here. */
export const domainMigrations: readonly Migration[] = [
  { id: 'domain-001-schema', up: (db) => db.exec(schema) },
  { id: 'domain-002-seed', up: seed },
  // The user a payment was taken for (the one the charging service acted for): only they may read it.
  { id: 'domain-003-payment-owner', up: (db) => db.exec('ALTER TABLE payments ADD COLUMN user_id TEXT') },
  eventTablesMigration,
];
