import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/metrics.ts';
import { registerLabelledComparisons } from '../../src/shadow/plugin/labelled-comparisons-metric.ts';
import { createShadowMetrics } from '../../src/shadow/plugin/shadow-metrics.ts';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../../k8s/grafana-dashboard.json', import.meta.url), 'utf8'),
) as {
  uid: string;
  panels: Panel[];
  annotations: { list: { expr: string }[] };
};

describe('the Grafana dashboard', () => {
  it('queries only metrics the gateway exports', () => {
    const registry = new Registry();
    createGatewayMetrics(registry);
    createShadowMetrics(registry);
    registerLabelledComparisons(registry, {
      rules: () => ({ routes: [] }) as never,
      snapshot: async () => new Map(),
      compareOptions: () => ({}) as never,
    });
    const exported = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
    const expressions = [
      ...dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr),
      ...dashboard.annotations.list.map((annotation) => annotation.expr),
    ];
    expect(expressions.length).toBeGreaterThan(10);
    const queried = new Set(
      expressions
        .flatMap((expr) => expr.match(/\b(?:fig|gateway)_[a-z_]+/g) ?? [])
        .map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
    // Every migration metric is on the dashboard.
    expect([...exported].filter((name) => name.startsWith('fig_shadow_') && !queried.has(name))).toEqual([]);
  });

  it('gives every chart a title and a query', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.title).not.toBe('');
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
    }
  });
});
