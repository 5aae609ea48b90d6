import type { CompiledRules } from '@fig/routing-rules';
import type { Shadowing } from '../shadow/plugin/shadowing.ts';
import type { EdgeEvent, EventLog } from './event-log.ts';
import { type RouteReport, routeReport } from './route-report.ts';

/** The admin `GET /comparisons` answer, which the dashboard page renders. */
export interface ComparisonsReport {
  generatedAt: number;
  store: Shadowing['store'];
  rulesVersion: string;
  bucketMs: number;
  shadow: Shadowing['queue'] & { limits: Shadowing['limits'] };
  routes: RouteReport[];
  events: EdgeEvent[];
}

/** Every route of the active rules with its evidence, the shadow queue and the recent edge events. */
export async function comparisonsReport(
  shadowing: Shadowing,
  rules: CompiledRules,
  events: EventLog,
): Promise<ComparisonsReport> {
  const states = await shadowing.snapshot();
  const routes = rules.routes.map((route) =>
    routeReport(
      {
        name: route.name,
        path: route.path,
        service: route.service,
        upstream: route.upstream,
        percent: route.percent,
        shadow: route.shadow ?? 0,
        options: shadowing.compareOptions(route),
      },
      states.get(route.name),
    ),
  );
  return {
    generatedAt: Date.now(),
    store: shadowing.store,
    rulesVersion: rules.version,
    bucketMs: shadowing.bucketMs,
    shadow: { ...shadowing.queue, limits: shadowing.limits },
    routes,
    events: events.recent(),
  };
}
