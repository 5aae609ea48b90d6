import type { IncomingHttpHeaders } from 'node:http';

export type BearerToken = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** The RFC 6750 bearer credential of a request, if any. */
export function bearerToken(headers: IncomingHttpHeaders): BearerToken {
  const value = headers.authorization;
  if (value === undefined || value === '') return { kind: 'none' };
  const match = /^Bearer +([^ ]+) *$/i.exec(value);
  return match ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
}

/** An RFC 6750 challenge; values are fixed phrases, quoted defensively all the same. */
export function bearerChallenge(params: Record<string, string> = {}): string {
  const quoted = Object.entries({ realm: 'fig', ...params }).map(
    ([name, value]) => `${name}="${value.replace(/["\\\x00-\x1f\x7f]/g, '')}"`,
  );
  return `Bearer ${quoted.join(', ')}`;
}
