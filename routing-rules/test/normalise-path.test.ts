import { describe, expect, it } from 'vitest';
import { normalisePath } from '../src/normalise-path.ts';
import { parseRules } from '../src/parse.ts';

function pathOf(target: string): string {
  const result = normalisePath(target);
  if (!result.ok) throw new Error(`rejected ${JSON.stringify(target)}: ${result.reason}`);
  return result.path;
}

describe('normalisePath accepts and canonicalises', () => {
  it.each([
    ['/', '/'],
    ['/api/inventory', '/api/inventory'],
    ['/api/inventory/', '/api/inventory/'],
    ['//api///inventory', '/api/inventory'],
    ['/api//inventory//', '/api/inventory/'],
    ['///', '/'],
    ['/api/%69nventory', '/api/inventory'],
    ['/api/%49NVENTORY', '/api/INVENTORY'],
    ['/a/%7e%2D%5F', '/a/~-_'],
    ['/a/%3a%40', '/a/%3A%40'],
    ['/a/%20b', '/a/%20b'],
    ['/a/%c3%a9', '/a/%C3%A9'],
    ['/a/%E2%82%AC', '/a/%E2%82%AC'],
    ['/a/.b.', '/a/.b.'],
    ['/a/.well-known/x', '/a/.well-known/x'],
    ['/a/b..c', '/a/b..c'],
    ['/a./b.', '/a./b.'],
    ['/a/b.json', '/a/b.json'],
    ["/a/!$&'()*+,=:@", "/a/!$&'()*+,=:@"],
    ['/Api/Inventory', '/Api/Inventory'],
  ])('%s -> %s', (input, expected) => {
    expect(pathOf(input)).toBe(expected);
  });

  it('keeps the query string untouched and out of the path', () => {
    expect(normalisePath('//a/%62?x=%2f..&y=/../')).toEqual({
      ok: true,
      path: '/a/b',
      search: '?x=%2f..&y=/../',
    });
    expect(normalisePath('/a?')).toEqual({ ok: true, path: '/a', search: '?' });
  });

  it('is idempotent: a normalised path normalises to itself', () => {
    for (const input of ['//x/%69/%3a/', '/a/%c3%a9//b', '/a/%20']) {
      const once = pathOf(input);
      expect(pathOf(once)).toBe(once);
    }
  });
});

describe('normalisePath rejects what has no single safe meaning', () => {
  it.each([
    ['', 'path must start with /'],
    ['*', 'path must start with /'],
    ['api/x', 'path must start with /'],
    ['http://internal/api', 'path must start with /'],
    ['/a#frag', 'fragment'],
    ['/a/./b', 'dot segment'],
    ['/a/../b', 'dot segment'],
    ['/..', 'dot segment'],
    ['/a/..', 'dot segment'],
    ['/a/...', 'dot segment'],
    ['/a/..b', 'dot segment'],
    ['/a/b../c', 'dot segment'],
    ['/a/%2e%2e/b', 'encoded dot'],
    ['/a/%2E/b', 'encoded dot'],
    ['/a/.%2e/b', 'encoded dot'],
    ['/a/%2efoo', 'encoded dot'],
    ['/a%2fb', 'encoded slash'],
    ['/a%2Fb', 'encoded slash'],
    ['/a%5cb', 'encoded slash'],
    ['/a\\b', 'backslash'],
    ['/a\\..\\b', 'backslash'],
    ['/a;b', 'matrix'],
    ['/api;/inventory', 'matrix'],
    ['/a%00', 'control'],
    ['/a%0d%0aX-Injected:%201', 'control'],
    ['/a%7f', 'control'],
    ['/a%09', 'control'],
    ['/a%', 'invalid percent-encoding'],
    ['/a%2', 'invalid percent-encoding'],
    ['/a%zz', 'invalid percent-encoding'],
    ['/a%%32%65', 'invalid percent-encoding'],
    ['/a/%252e%252e/b', 'double'],
    ['/a/%25%32%65', 'double'],
    ['/a/%c0%af', 'UTF-8'],
    ['/a/%c0%ae%c0%ae', 'UTF-8'],
    ['/a/%e0%80%af', 'UTF-8'],
    ['/a/%ff', 'UTF-8'],
    ['/a/%c3', 'UTF-8'],
    ['/a/%ed%a0%80', 'UTF-8'],
    ['/a b', 'character not allowed'],
    ['/a"b', 'character not allowed'],
    ['/a<b>', 'character not allowed'],
    ['/a{b}', 'character not allowed'],
    ['/a|b', 'character not allowed'],
    ['/a^b', 'character not allowed'],
    ['/a`b', 'character not allowed'],
    ['/a\u00e9', 'character not allowed'],
    ['/a\u0000', 'character not allowed'],
    ['/a\tb', 'character not allowed'],
  ])('%j (%s)', (input, reason) => {
    const result = normalisePath(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('rejects every control byte and DEL, raw or encoded, anywhere in a segment', () => {
    for (let byte = 0; byte < 0x20; byte++) {
      const hex = byte.toString(16).padStart(2, '0');
      for (const spelling of [String.fromCharCode(byte), `%${hex}`, `%${hex.toUpperCase()}`]) {
        expect(normalisePath(`/a${spelling}b`).ok, `byte ${hex} as ${JSON.stringify(spelling)}`).toBe(false);
      }
    }
    expect(normalisePath('/a\u007fb').ok).toBe(false);
  });

  it('never yields a path holding a dot segment, a backslash or an encoded separator', () => {
    const pieces = ['', '/', '.', '..', '%2e', '%2E', '%2f', '%5c', '\\', '%25', 'a', '%c0%ae', ';', '%00'];
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces) {
          const result = normalisePath(`/${a}${b}/${c}`);
          if (!result.ok) continue;
          const segments = result.path.split('/');
          expect(segments).not.toContain('.');
          expect(segments).not.toContain('..');
          expect(result.path).not.toMatch(/\\|%2e|%2f|%5c|\/\/|%25[0-9a-f]{2}/i);
        }
  });
});

describe('route paths in routes.yaml', () => {
  const rulesWith = (path: string) => `
version: 1
upstreams: { monolith: { url: 'http://127.0.0.1:3000' } }
routes:
  - { name: r, path: '${path}' }
`;

  it.each(['/api/inventory', '/', '/a/%3A', '/.well-known'])(
    'accepts %s, already in normalised form',
    (path) => {
      expect(parseRules(rulesWith(path)).ok).toBe(true);
    },
  );

  it.each([
    ['/api/%69nventory', 'written as requests are matched: /api/inventory'],
    ['/a/%3a', 'written as requests are matched: /a/%3A'],
    ['/a/../b', 'cannot match any request: dot segment'],
    ['/api;v1', 'cannot match any request: matrix'],
    ['/a/%2fb', 'cannot match any request: encoded slash'],
  ])('refuses %s, which no normalised request path could equal', (path, message) => {
    const result = parseRules(rulesWith(path));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.message).join('\n')).toContain(message);
  });
});
