import type { RouteCompare } from '@fig/routing-rules';

export interface CompareOptions {
  ignore: string[];
  headers: string[];
  arrayKeys: Record<string, string>;
  methods: string[];
  /** Fields whose differing values are kept as examples (qualified); others only summarised. */
  showValues: string[];
  noiseSample: number;
  relativeThreshold: number;
  absoluteThreshold: number;
}

export const defaultComparedMethods = ['GET', 'HEAD'];

// Content type is the one header whose difference always breaks a client.
const defaultHeaders = ['content-type'];

/**
 * Field paths in routes.yaml may leave out the `body.` prefix: `items[*].price_cents` means
 * the body field, while `status` and `headers.<name>` name the rest of the answer.
 */
export function qualifyField(path: string): string {
  return /^(status|body|headers)(?:$|[.[])/.test(path) ? path : `body.${path}`;
}

/** A route's `compare:` block with the defaults filled in and field paths qualified. */
export function compareOptions(config: RouteCompare = {}): CompareOptions {
  return {
    ignore: (config.ignore ?? []).map(qualifyField),
    headers: [...new Set([...defaultHeaders, ...(config.headers ?? []).map((h) => h.toLowerCase())])],
    arrayKeys: Object.fromEntries(
      Object.entries(config.arrayKeys ?? {}).map(([path, key]) => [qualifyField(path), key]),
    ),
    methods: [...new Set([...defaultComparedMethods, ...(config.methods ?? []).map((m) => m.toUpperCase())])],
    // None by default: answers carry names, e-mails and addresses, and examples are kept.
    showValues: (config.showValues ?? []).map(qualifyField),
    noiseSample: config.noiseSample ?? 10,
    relativeThreshold: config.thresholds?.relative ?? 20,
    absoluteThreshold: config.thresholds?.absolute ?? 0.03,
  };
}
