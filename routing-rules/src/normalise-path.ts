/**
 * One spelling per path. Routing, auth and the request forwarded upstream all use the result,
 * so no rule can be bypassed by writing the same path differently (`/api/%69nventory`,
 * `/api//inventory`, `/api/x/../inventory`, ...).
 *
 * Rejected (the caller answers 400), because no single safe meaning exists:
 * - a request target that is not origin-form (`*`, `http://host/...`, no leading `/`)
 * - dot segments (`.`, `..`), raw or percent-encoded, segments starting or ending with `..`
 *   (`...`, `..x`, `x..`), and any encoded dot (`%2e`)
 * - encoded slashes and backslashes (`%2f`, `%5c`) and raw backslashes
 * - NUL, control bytes and DEL, raw or encoded; raw bytes outside RFC 3986 `pchar`
 *   (spaces, quotes, `<>`, `{}`, `|`, `^`, backtick, non-ASCII) and `;` (matrix parameters,
 *   which some upstream servers strip before routing)
 * - invalid percent-encoding (`%`, `%2`, `%zz`), double encoding (`%252e`) and encoded bytes
 *   that are not valid UTF-8 (overlong forms such as `%c0%af` included)
 *
 * Collapsed, because the meaning is unambiguous:
 * - runs of slashes become one (`//a///b` -> `/a/b`); a trailing slash is kept
 * - encoded unreserved characters are decoded (`%41` -> `A`, `%7E` -> `~`)
 * - other encodings keep their encoding with upper-case hex (`%3a` -> `%3A`)
 *
 * The query string is returned untouched; case is preserved (paths are case-sensitive).
 */
export type NormalisedPath = { ok: true; path: string; search: string } | { ok: false; reason: string };

// RFC 3986 pchar minus `%` (handled separately) and `;` (rejected), plus `/`.
const allowedRaw = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;
const unreserved = /^[A-Za-z0-9\-_~]$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(reason: string): NormalisedPath {
  return { ok: false, reason };
}

/** Normalises the path of a raw request target (`request.url`); see the module comment. */
export function normalisePath(target: string): NormalisedPath {
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const search = queryAt === -1 ? '' : target.slice(queryAt);
  if (!rawPath.startsWith('/')) return reject('path must start with /');
  if (target.includes('#')) return reject('fragment in request target');
  // Most paths already have their one spelling: nothing encoded, no empty or dot segments.
  if (
    allowedRaw.test(rawPath) &&
    !rawPath.includes('//') &&
    !rawPath.includes('/.') &&
    !rawPath.includes('..')
  ) {
    return { ok: true, path: rawPath, search };
  }
  const segments: string[] = [];
  for (const rawSegment of rawPath.split('/')) {
    if (rawSegment === '') continue;
    const segment = normaliseSegment(rawSegment);
    if (typeof segment !== 'string') return segment;
    segments.push(segment);
  }
  const trailingSlash = rawPath.length > 1 && rawPath.endsWith('/') && segments.length > 0;
  return { ok: true, path: `/${segments.join('/')}${trailingSlash ? '/' : ''}`, search };
}

function normaliseSegment(raw: string): string | NormalisedPath {
  if (raw === '.' || raw === '..') return reject('dot segment in path');
  // `...`, `..x`, `x..`: Windows-style servers trim trailing dots, and proxies (reply-from
  // among them) refuse any `/..` or `../`, so such a segment has no single meaning.
  if (raw.startsWith('..') || raw.endsWith('..')) return reject('dot segment in path');
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const char = raw[i];
    if (char !== '%') {
      if (char === '\\') return reject('backslash in path');
      if (char === ';') return reject('matrix parameter in path');
      if (!allowedRaw.test(char)) return reject('character not allowed in path');
      out += char;
      i += 1;
      continue;
    }
    // A run of encoded bytes is decoded together so multi-byte UTF-8 can be validated.
    const bytes: number[] = [];
    while (i < raw.length && raw[i] === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return reject('invalid percent-encoding in path');
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    }
    const encoded = encodeRun(bytes);
    if (typeof encoded !== 'string') return encoded;
    out += encoded;
  }
  // An upstream that decodes twice would turn `%252e%252e` into a dot segment.
  if (/%25[0-9A-Fa-f]{2}/.test(out)) return reject('double percent-encoding in path');
  return out;
}

function encodeRun(bytes: number[]): string | NormalisedPath {
  try {
    utf8.decode(new Uint8Array(bytes));
  } catch {
    return reject('percent-encoded bytes are not valid UTF-8');
  }
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x2f || byte === 0x5c) return reject('encoded slash or backslash in path');
    if (byte === 0x2e) return reject('encoded dot in path');
    if (byte < 0x20 || byte === 0x7f) return reject('control character in path');
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && unreserved.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
