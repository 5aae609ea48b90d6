import { seedProducts, seedUsers } from '../seed.ts';
import type { PostgresMigration } from './postgres-database.ts';

// The SQLite schema (migrations.ts) in PostgreSQL's dialect: the same tables and columns, so the
// two repositories answer alike. Times in ms since the epoch are BIGINT.
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
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
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
  created_at BIGINT NOT NULL
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
  created_at BIGINT NOT NULL,
  user_id TEXT
);
CREATE TABLE refunds (
  id TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments (id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  created_at BIGINT NOT NULL
);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
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

// Events waiting for the relay, written in the transaction of the change they describe
// (docs/data-consistency.md). `sequence` orders them; `published_at` is set once on the stream.
const outbox = `
CREATE TABLE event_outbox (
  sequence BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  event JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  published_at TIMESTAMPTZ
);
CREATE INDEX event_outbox_unpublished ON event_outbox (sequence) WHERE published_at IS NULL;
`;

async function seed(db: Parameters<PostgresMigration['up']>[0]) {
  await db.query(
    `INSERT INTO products (id, sku, name, description, price_cents, currency)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS p(id TEXT, sku TEXT, name TEXT, description TEXT, price_cents INTEGER, currency TEXT)`,
    [JSON.stringify(seedProducts)],
  );
  await db.query(
    `INSERT INTO stock (sku, on_hand) SELECT sku, stock FROM jsonb_to_recordset($1::jsonb) AS p(sku TEXT, stock INTEGER)`,
    [JSON.stringify(seedProducts)],
  );
  await db.query(
    `INSERT INTO users (id, username, name, password_hash, scopes)
     SELECT id, username, name, password_hash, scopes FROM jsonb_to_recordset($1::jsonb)
       AS u(id TEXT, username TEXT, name TEXT, password_hash TEXT, scopes TEXT)`,
    [JSON.stringify(seedUsers.map((user) => ({ ...user, scopes: user.scopes.join(' ') })))],
  );
}

/** The domain schema, its deterministic seed and the outbox; every service's database starts here. */
export const postgresDomainMigrations: readonly PostgresMigration[] = [
  { id: 'domain-001-schema', up: (db) => db.query(schema) },
  { id: 'domain-002-seed', up: seed },
  { id: 'domain-003-outbox', up: (db) => db.query(outbox) },
];
