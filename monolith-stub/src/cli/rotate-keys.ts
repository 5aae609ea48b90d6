/**
 * Rotates the running monolith's signing key: `npm run rotate-keys -w @fig/monolith-stub`.
 * MONOLITH_INTERNAL_URL (default http://127.0.0.1:3100, its internal listener) and
 * INTERNAL_TOKEN (when the monolith has one) come from the environment. The old public key stays in the JWKS until its tokens expire.
 */
const base = process.env.MONOLITH_INTERNAL_URL ?? 'http://127.0.0.1:3100';
const headers: Record<string, string> = {};
if (process.env.INTERNAL_TOKEN) headers['x-internal-token'] = process.env.INTERNAL_TOKEN;

const response = await fetch(new URL('/internal/keys/rotate', base), { method: 'POST', headers });
const body = await response.text();
if (!response.ok) {
  process.stderr.write(`rotation failed (${response.status}): ${body}\n`);
  process.exit(1);
}
const { kid, retired } = JSON.parse(body);
process.stdout.write(
  `signing with ${kid}; retired ${retired.join(', ')} (published until its tokens expire)\n`,
);
