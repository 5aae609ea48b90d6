import { describe, expect, it } from 'vitest';
import { parseRules } from '../src/parse.ts';

const rules = (extra: string) => `
version: 1
upstreams: { monolith: { url: 'http://127.0.0.1:3000' } }
${extra}
routes:
  - { name: uploads, path: /uploads, bodyLimit: 10485760 }
  - { name: tiny, path: /tiny, bodyLimit: 0 }
  - { name: plain, path: /plain }
`;

describe('bodyLimit', () => {
  it('defaults to 1 MiB, is inherited from defaults and overridden per route', () => {
    const parsed = parseRules(rules(''));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const { rules: compiled } = parsed;
    expect(compiled.match('POST', '/plain/x').bodyLimit).toBe(1048576);
    expect(compiled.match('POST', '/unmatched').bodyLimit).toBe(1048576);
    expect(compiled.match('POST', '/uploads').bodyLimit).toBe(10485760);
    expect(compiled.match('POST', '/tiny').bodyLimit).toBe(0);
    const custom = parseRules(rules('defaults: { bodyLimit: 4096 }'));
    expect(custom.ok && custom.rules.match('POST', '/plain').bodyLimit).toBe(4096);
  });

  it('rejects a negative or fractional limit', () => {
    expect(parseRules(rules('defaults: { bodyLimit: -1 }')).ok).toBe(false);
    expect(parseRules(rules('defaults: { bodyLimit: 1.5 }')).ok).toBe(false);
  });
});
