import { Ajv, type ErrorObject } from 'ajv';
import { normalisePath } from './normalise-path.ts';
import { pointer } from './positions.ts';
import { rulesSchema, sharePattern } from './schema.ts';
import { isWrite } from './methods.ts';
import { rampProblems } from './ramp-check.ts';
import type { RouteCompare } from './types.ts';

/** routes.yaml after schema validation, with the schema's defaults filled in. */
export interface RulesDocument {
  version: 1;
  upstreams: Record<
    string,
    {
      url: string;
      connectTimeout: string;
      timeout: string;
      bodyTimeout: string;
      connections: number;
      retries: number;
      dryRun?: boolean;
      breaker: {
        volumeThreshold: number;
        errorThresholdPercentage: number;
        resetTimeout: string;
        rollingWindow: string;
      };
    }
  >;
  defaults: {
    auth: 'required' | 'optional' | 'none';
    rateLimit: { max: number; window: string; by: 'subject' | 'ip' };
    sticky: string;
    bodyLimit: number;
  };
  routes: Array<{
    name: string;
    path: string;
    methods?: string[];
    service?: string;
    upstream?: string;
    percent: number;
    sticky?: string;
    shadow?: number;
    compare?: RouteCompare;
    auth?: 'required' | 'optional' | 'none';
    scopes?: string[];
    rateLimit?: { max: number; window: string; by: 'subject' | 'ip' };
    bodyLimit?: number;
    ramp?: RampDocument;
  }>;
}

/** A route's `ramp:` after the schema's defaults. */
export interface RampDocument {
  steps: number[];
  interval: string;
  minDuration: string;
  maxDuration: string;
  minRequests: number;
  gates: {
    errorRate?: { max?: string; maxIncrease?: string; critical?: string };
    latency?: { p99Increase: string };
    mismatches?: { max: string };
  };
  approve?: number[];
}

export interface LocatedProblem {
  message: string;
  path: string;
  /** Point at the key rather than the value (unknown or misplaced fields). */
  atKey?: boolean;
}

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  strictRequired: false,
  verbose: true,
});
const validateSchema = ajv.compile(rulesSchema);

function describe(error: ErrorObject): LocatedProblem {
  const where = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        message: `unknown field "${error.params.additionalProperty}"`,
        path: `${where}/${error.params.additionalProperty}`,
        atKey: true,
      };
    case 'required':
      return { message: `missing field "${error.params.missingProperty}"`, path: where };
    case 'enum':
      return { message: `must be one of ${error.params.allowedValues.join(', ')}`, path: where };
    case 'const':
      return { message: `must be ${JSON.stringify(error.params.allowedValue)}`, path: where };
    case 'propertyNames':
      return { message: `invalid name "${error.params.propertyName}"`, path: where };
    default: {
      if (error.parentSchema?.pattern === sharePattern)
        return { message: 'must be a share in percent, like 1% or 0.5%', path: where };
      // The pattern regexes are unreadable for people; say what was expected instead.
      const expected = error.parentSchema?.description;
      const message =
        error.keyword === 'pattern' && expected ? `must match: ${expected}` : (error.message ?? 'is invalid');
      return { message, path: where };
    }
  }
}

/** Schema problems, in document order, with the property-name duplicates Ajv reports removed. */
function schemaProblems(data: unknown): LocatedProblem[] {
  if (validateSchema(data)) return [];
  const seen = new Set<string>();
  const problems: LocatedProblem[] = [];
  for (const error of validateSchema.errors ?? []) {
    if (error.keyword === 'pattern' && error.propertyName !== undefined) continue;
    const problem = describe(error);
    const key = `${problem.path} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function twoDecimals(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

/** Rules a schema cannot express: references, uniqueness, mutually exclusive fields. */
function semanticProblems(doc: RulesDocument): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const names = new Map<string, number>();
  const paths = new Map<string, number[]>();
  doc.routes.forEach((route, index) => {
    const at = (field?: string) => pointer(field ? ['routes', index, field] : ['routes', index]);
    const earlier = names.get(route.name);
    if (earlier !== undefined) {
      problems.push({
        message: `duplicate route name "${route.name}" (also routes[${earlier}])`,
        path: at('name'),
      });
    } else names.set(route.name, index);
    // Two routes on one path are fine only when they split it by method.
    for (const other of paths.get(route.path) ?? []) {
      const a = route.methods;
      const b = doc.routes[other].methods;
      if (!a || !b || a.some((method) => b.includes(method))) {
        problems.push({
          message: `duplicate path "${route.path}" (also routes[${other}] "${doc.routes[other].name}")`,
          path: at('path'),
        });
      }
    }
    paths.set(route.path, [...(paths.get(route.path) ?? []), index]);
    if (route.service !== undefined && route.upstream !== undefined) {
      problems.push({
        message: 'use either "service" (a split) or "upstream" (everything), not both',
        path: at(),
      });
    }
    for (const field of ['service', 'upstream'] as const) {
      const target = route[field];
      if (target !== undefined && !(target in doc.upstreams)) {
        problems.push({ message: `unknown upstream "${target}"`, path: at(field) });
      }
    }
    if (route.service === 'monolith') {
      problems.push({ message: 'the service of a split cannot be the monolith itself', path: at('service') });
    }
    if (!twoDecimals(route.percent)) {
      problems.push({ message: 'percent takes at most two decimals', path: at('percent') });
    }
    if (route.percent > 0 && route.service === undefined) {
      problems.push({ message: 'percent needs a "service" to send that share to', path: at('percent') });
    }
    if (route.scopes?.length && (route.auth ?? doc.defaults.auth) === 'none') {
      problems.push({ message: 'scopes need a token: use auth required or optional', path: at('scopes') });
    }
    // Requests are matched on their normalised path, so a route spelled otherwise never matches.
    const normalised = normalisePath(route.path);
    if (!normalised.ok || normalised.path !== route.path) {
      problems.push({
        message: normalised.ok
          ? `path must be written as requests are matched: ${normalised.path}`
          : `path cannot match any request: ${normalised.reason}`,
        path: at('path'),
      });
    }
    if (route.shadow !== undefined && route.service === undefined) {
      problems.push({ message: 'shadow needs a "service" to compare against', path: at('shadow') });
    }
    problems.push(...mirroredWriteProblems(doc, route, index));
    if (route.ramp) problems.push(...rampProblems(route, index));
  });
  return problems;
}

/**
 * The upstreams a route's shadows go to: the service while the monolith serves (percent
 * below 100), the monolith once the service does (percent above 0).
 */
export function shadowTargets(route: {
  service?: string;
  percent: number;
  ramp?: { steps: number[] };
}): string[] {
  if (route.service === undefined) return [];
  // A ramp may raise the share to its highest step: the monolith then serves less, and is shadowed to.
  const highest = Math.max(route.percent, ...(route.ramp?.steps ?? []));
  return [...(route.percent < 100 ? [route.service] : []), ...(highest > 0 ? ['monolith'] : [])];
}

/**
 * A write shadowed to a backend's real path would run twice — two charges, two orders — so a
 * route may list unsafe methods in `compare.methods` only when every side they can be
 * mirrored to declares that it answers dry runs.
 */
function mirroredWriteProblems(doc: RulesDocument, route: RulesDocument['routes'][number], index: number) {
  const writes = (route.compare?.methods ?? []).filter(isWrite);
  if (writes.length === 0) return [];
  const methods = writes.join(', ');
  return shadowTargets(route)
    .filter((upstream) => doc.upstreams[upstream] !== undefined && doc.upstreams[upstream].dryRun !== true)
    .map((upstream) => ({
      message:
        `route "${route.name}" shadows ${methods} to upstream "${upstream}", which does not declare ` +
        `"dryRun: true": each mirrored write would run twice. Declare it once "${upstream}" answers ` +
        `x-fig-dry-run requests without side effects, or remove ${methods} from compare.methods`,
      path: pointer(['routes', index, 'compare', 'methods']),
    }));
}

/** Validates (and fills defaults into) parsed YAML. */
export function validateDocument(data: unknown): LocatedProblem[] {
  const problems = schemaProblems(data);
  return problems.length > 0 ? problems : semanticProblems(data as RulesDocument);
}
