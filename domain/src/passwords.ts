import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const keyLength = 32;

/** `scrypt$<salt>$<hash>`; a fixed salt makes the seeded dev users byte-identical everywhere. */
export function hashPassword(password: string, salt: string = randomBytes(16).toString('base64url')): string {
  return `scrypt$${salt}$${scryptSync(password, salt, keyLength).toString('base64url')}`;
}

// Checked against when the user does not exist, so a wrong username costs the same as a wrong password.
const decoy = hashPassword('decoy', 'decoy');

export function verifyPassword(password: string, stored: string | undefined): boolean {
  const [scheme, salt, hash] = (stored ?? decoy).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(password, salt, expected.length);
  return timingSafeEqual(expected, actual) && stored !== undefined;
}
