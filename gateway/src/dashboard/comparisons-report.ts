import type { CompiledRoute, CompiledRules } from '@fig/routing-rules';
import type { CompareOptions } from '../shadow/comparison/compare-options.ts';
import type { ComparisonStore, RouteState } from '../shadow/comparison/comparison-store.ts';
import type { ShadowLimits } from '../shadow/worker/shadow-limits.ts';
import type { EdgeEvent, EventLog } from './event-log.ts';
import { type RouteCharts, routeCharts } from './route-charts.ts';
import { type RouteReport, routeReport } from './route-report.ts';

/** A route's report with its timeline ready to draw. */
export interface DashboardRoute extends RouteReport {
  charts: RouteCharts;
}

/** What the report reads of shadowing (plugin/shadowing.ts). */
export interface ComparisonSource {
  readonly bucketMs: number;
  readonly store: ComparisonStore['kind'];
  readonly queue: { inFlight: number; queued: number };
  readonly limits: Omit<ShadowLimits, 'hashKey'>;
  compareOptions(route: CompiledRoute): CompareOptions;
  snapshot(): Promise<Map<string, RouteState>>;
}

/**
 * The admin `GET /comparisons` answer, which the dashboard page renders. Its types import only
 * what a browser page may: the page is type-checked against them (public/tsconfig.json).
 */
export interface ComparisonsReport {
  generatedAt: number;
  store: ComparisonSource['store'];
  rulesVersion: string;
  bucketMs: number;
  shadow: ComparisonSource['queue'] & { limits: ComparisonSource['limits'] };
  routes: DashboardRoute[];
  events: EdgeEvent[];
  /** Where an example's trace is shown: a URL with `{trace_id}` (TRACE_URL_TEMPLATE), if set. */
  traceUrl?: string;
}

/** Every route of the active rules with its evidence, the shadow queue and the recent edge events. */
export async function comparisonsReport(
  shadowing: ComparisonSource,
  rules: CompiledRules,
  events: EventLog,
  traceUrl?: string,
): Promise<ComparisonsReport> {
  const states = await shadowing.snapshot();
  const generatedAt = Date.now();
  const routes = rules.routes.map((route): DashboardRoute => {
    const report = routeReport(
      {
        name: route.name,
        path: route.path,
        service: route.service,
        upstream: route.upstream,
        // What the route serves now: a ramp may hold it above the file's percent.
        percent: route.threshold / 100,
        shadow: route.shadow ?? 0,
        options: shadowing.compareOptions(route),
      },
      states.get(route.name),
    );
    return { ...report, charts: routeCharts(report.timeline, shadowing.bucketMs, generatedAt) };
  });
  return {
    generatedAt,
    store: shadowing.store,
    rulesVersion: rules.version,
    bucketMs: shadowing.bucketMs,
    shadow: { ...shadowing.queue, limits: shadowing.limits },
    routes,
    events: events.recent(),
    ...(traceUrl ? { traceUrl } : {}),
  };
}
