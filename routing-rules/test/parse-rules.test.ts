import { describe, expect, it } from 'vitest';
import { formatProblem, loadRulesFile, parseRules } from '../src/parse.ts';
import { defaultRulesPath } from '../src/paths.ts';

const valid = `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003, timeout: 2s }
defaults:
  auth: optional
routes:
  - name: inventory
    path: /api/inventory
    methods: [GET, POST]
    service: inventory
    percent: 12.5
    scopes: [inventory:read]
  - name: login
    path: /auth
    auth: none
    rateLimit: { max: 10, window: 1m, by: ip }
`;

function problemsOf(text: string) {
  const result = parseRules(text, 'routes.yaml');
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatProblem);
}

describe('parseRules', () => {
  it('compiles a valid file with the schema defaults filled in', () => {
    const result = parseRules(valid);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const { rules } = result;
    expect(rules.version).toMatch(/^[0-9a-f]{12}$/);
    expect(rules.upstreams.get('inventory')).toMatchObject({
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
      retries: 1,
    });
    expect(rules.byName.get('inventory')).toMatchObject({
      percent: 12.5,
      threshold: 1250,
      sticky: 'subject',
      auth: 'optional',
    });
    expect(rules.byName.get('inventory')?.scopes).toEqual(['inventory:read']);
    expect(rules.byName.get('login')?.rateLimit).toEqual({ max: 10, windowMs: 60_000, by: 'ip' });
    expect(rules.defaults.rateLimit).toEqual({ max: 1000, windowMs: 60_000, by: 'subject' });
  });

  it('gives the same version for the same rules however they are written', () => {
    const a = parseRules(valid);
    const b = parseRules(
      `# a comment\n${valid.replace('{ url: http://127.0.0.1:3000 }', '\n    url: http://127.0.0.1:3000')}`,
    );
    const c = parseRules(valid.replace('12.5', '13'));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(b.rules.version).toBe(a.rules.version);
      expect(c.rules.version).not.toBe(a.rules.version);
    }
  });

  it('reports a YAML syntax error with its position', () => {
    expect(problemsOf('version: 1\nroutes: [\n')[0]).toMatch(/^routes\.yaml:3:1: /);
  });

  it('reports every schema problem with line and column', () => {
    const problems = problemsOf(`version: 2
upstreams:
  inventory: { url: ftp://x, timeout: 2 }
routes:
  - name: Inventory
    path: api/inventory
    percent: 101
    bogus: true
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'routes.yaml:1:10: must be 1 (at /version)',
        'routes.yaml:3:3: missing field "monolith" (at /upstreams)',
        expect.stringMatching(/^routes\.yaml:3:21: must match: origin/),
        'routes.yaml:3:39: must be string (at /upstreams/inventory/timeout)',
        expect.stringMatching(/^routes\.yaml:5:11: must match/),
        expect.stringMatching(/^routes\.yaml:6:11: must match: prefix/),
        'routes.yaml:7:14: must be <= 100 (at /routes/0/percent)',
        'routes.yaml:8:5: unknown field "bogus" (at /routes/0/bogus)',
      ]),
    );
  });

  it('reports semantic problems: references, duplicates, exclusive fields, decimals', () => {
    const problems = problemsOf(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  web: { url: http://127.0.0.1:4001 }
routes:
  - name: a
    path: /a
    service: nowhere
    percent: 10.125
  - name: a
    path: /b
  - name: c
    path: /b
    methods: [GET]
  - name: d
    path: /d
    service: web
    upstream: web
  - name: e
    path: /e
    percent: 5
`);
    expect(problems).toEqual([
      'routes.yaml:8:14: unknown upstream "nowhere" (at /routes/0/service)',
      'routes.yaml:9:14: percent takes at most two decimals (at /routes/0/percent)',
      'routes.yaml:10:11: duplicate route name "a" (also routes[0]) (at /routes/1/name)',
      'routes.yaml:13:11: duplicate path "/b" (also routes[1] "a") (at /routes/2/path)',
      'routes.yaml:15:5: use either "service" (a split) or "upstream" (everything), not both (at /routes/3)',
      'routes.yaml:21:14: percent needs a "service" to send that share to (at /routes/4/percent)',
    ]);
  });

  it('allows one path split by disjoint methods', () => {
    const result = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  svc: { url: http://127.0.0.1:5000 }
routes:
  - { name: reads, path: /x, methods: [GET], service: svc, percent: 100 }
  - { name: writes, path: /x, methods: [POST] }
`);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.rules.match('GET', '/x/1').name).toBe('reads');
      expect(result.rules.match('POST', '/x/1').name).toBe('writes');
      expect(result.rules.match('PUT', '/x/1').name).toBe('default');
    }
  });

  it('accepts the shipped routes.yaml', () => {
    const result = loadRulesFile(defaultRulesPath);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  it('reports an unreadable file as a problem', () => {
    const result = loadRulesFile('/nonexistent/routes.yaml');
    expect(result.ok).toBe(false);
  });
});
