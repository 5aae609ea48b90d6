import type { KeyStore } from '@fig/platform/auth/key-store';
import { createLocalJWKSet } from 'jose';
import type { Keystore } from './keystore.ts';

/**
 * The identity provider's published keys as the shared verifier's key store: the monolith
 * checks its callers' tokens against the keys it signs with, without an HTTP call to itself,
 * and a rotated or expired key counts from the moment the keystore changes.
 */
export function ownKeyStore(keystore: Keystore): KeyStore {
  // Importing RSA keys is not free: rebuild the key set only when the published keys change.
  let published = { kids: '', keySet: createLocalJWKSet({ keys: [] }) };
  const keySet = () => {
    const jwks = keystore.jwks();
    const kids = jwks.keys.map((key) => key.kid).join(' ');
    if (kids !== published.kids) published = { kids, keySet: createLocalJWKSet(jwks) };
    return published.keySet;
  };
  return {
    getKey: (header, token) => keySet()(header, token),
    refresh: async () => {},
    hasKeys: () => true,
    fetches: () => ({ ok: 0, failed: 0 }),
  };
}
