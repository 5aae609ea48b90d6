export * from './auth.ts';
export * from './carts.ts';
export * from './catalog.ts';
export * from './checkout.ts';
export * from './inventory.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './shared.ts';
