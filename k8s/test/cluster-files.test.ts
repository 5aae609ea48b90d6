import { describe, expect, it } from 'vitest';
import { clusterRoutes, clusterUrl } from '../src/cluster-files.ts';

describe('cluster files', () => {
  it('address each local upstream by the Service of the deployable on that port', () => {
    expect(clusterUrl('http://127.0.0.1:5003')).toBe('http://inventory:5003');
    expect(clusterUrl('http://localhost:4001/graphql')).toBe('http://bff-web:4001/graphql');
    expect(() => clusterUrl('http://127.0.0.1:6000')).toThrow(/no deployable listens there/);
    expect(() => clusterUrl('http://example.com:5003')).toThrow(/no deployable listens there/);
  });

  it('keep routes.yaml as it is apart from the upstream URLs', () => {
    const source = [
      '# yaml-language-server: $schema=./schema.json',
      'version: 1',
      'upstreams:',
      '  monolith: { url: http://127.0.0.1:3000 }',
      '  payment: { url: http://127.0.0.1:5002, timeout: 5s } # slow',
      'routes:',
      '  - { name: payments, path: /api/payments, service: payment, percent: 5 }',
      '',
    ].join('\n');
    const lines = clusterRoutes(source).split('\n');
    expect(lines[0]).toMatch(/^# Generated from routing-rules\/routes.yaml/);
    expect(lines).toContain('# yaml-language-server: $schema=../../routing-rules/schema.json');
    expect(lines).toContain('  monolith: { url: http://monolith:3000 }');
    expect(lines).toContain('  payment: { url: http://payment:5002, timeout: 5s } # slow');
    expect(lines).toContain('  - { name: payments, path: /api/payments, service: payment, percent: 5 }');
  });
});
