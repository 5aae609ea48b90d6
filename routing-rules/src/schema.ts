import { durationPattern } from './duration.ts';

const name = {
  type: 'string',
  pattern: '^[a-z][a-z0-9-]{0,62}$',
  description: 'lowercase letters, digits and dashes',
};
const duration = { type: 'string', pattern: durationPattern };
const authMode = { enum: ['required', 'optional', 'none'] };
const sticky = {
  type: 'string',
  pattern: '^(subject|ip|none|header:[A-Za-z0-9-]+)$',
  description: 'subject (anonymous -> client IP) | ip | header:<name> | none',
};
const compare = {
  type: 'object',
  additionalProperties: false,
  description: 'how shadowed answers are compared (docs/migration-insight.md)',
  properties: {
    ignore: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'field paths never reported: `updated_at`, `items[*].eta`, `headers.etag`',
    },
    headers: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
      description: 'headers compared',
    },
    arrayKeys: {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      description: 'array path -> item key, to pair items by key instead of position',
    },
    methods: {
      type: 'array',
      uniqueItems: true,
      items: { enum: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
      description:
        'methods shadowed besides GET and HEAD; a write (POST, PUT, PATCH, DELETE) needs `dryRun: true` on the upstream it is mirrored to',
    },
    showValues: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description:
        'field paths (`*` one segment) whose differing values are kept as examples; every other value is kept only as type, length and a keyed hash',
    },
    noiseSample: {
      type: 'number',
      minimum: 0,
      maximum: 100,
      description: '% of shadows asked twice to learn noise',
    },
    thresholds: {
      type: 'object',
      additionalProperties: false,
      properties: {
        relative: { type: 'number', minimum: 0, description: '% above the noise rate' },
        absolute: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          description: 'percentage points above the noise rate',
        },
      },
    },
  },
};
/** A share as people write it. validate.ts names it in its messages. */
export const sharePattern = '^(100|[0-9]{1,2})(\\.[0-9]{1,2})?%$';
const share = {
  type: 'string',
  pattern: sharePattern,
  description: 'a share in percent, up to two decimals: `1%`, `0.5%`',
};
const ramp = {
  type: 'object',
  additionalProperties: false,
  required: ['steps'],
  description:
    'the migration autopilot: raise the share step by step on evidence, roll back on its own (docs/migration-autopilot.md)',
  properties: {
    steps: {
      type: 'array',
      minItems: 1,
      items: { type: 'number', minimum: 0, maximum: 100 },
      description:
        'shares to walk, increasing; effective share = max(percent, current step); 0 = a shadow-only gate',
    },
    interval: { ...duration, default: '30s', description: 'how often the evidence is judged (1s and up)' },
    minDuration: { ...duration, default: '5m', description: 'at least this long on each step' },
    maxDuration: {
      ...duration,
      default: '1h',
      description: 'a step still without enough evidence after this long holds and notifies',
    },
    minRequests: {
      type: 'integer',
      minimum: 0,
      default: 200,
      description: 'requests per side (comparisons on a 0% step) before a step may pass',
    },
    gates: {
      type: 'object',
      additionalProperties: false,
      default: { errorRate: { max: '1%', maxIncrease: '0.5%' } },
      description: 'what a step must show to pass; each judged on the current step only',
      properties: {
        errorRate: {
          type: 'object',
          additionalProperties: false,
          properties: {
            max: { ...share, description: "the service's 5xx share, upper bound" },
            maxIncrease: {
              ...share,
              description: "the service's 5xx share over the monolith's, upper bound",
            },
            critical: {
              ...share,
              description:
                'a 5xx share over one interval that rolls back at once, without waiting for the step (default: 10%, or twice max when that is higher)',
            },
          },
        },
        latency: {
          type: 'object',
          additionalProperties: false,
          required: ['p99Increase'],
          properties: { p99Increase: { ...share, description: "service p99 above the monolith's p99" } },
        },
        mismatches: {
          type: 'object',
          additionalProperties: false,
          required: ['max'],
          properties: {
            max: {
              ...share,
              description: 'comparisons with a real difference (learned noise excluded), upper bound',
            },
          },
        },
      },
    },
    approve: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'number', minimum: 0, maximum: 100 },
      description: 'steps that wait for a person (POST /ramps/<route>/approve) before they are entered',
    },
  },
};
const bodyLimit = {
  type: 'integer',
  minimum: 0,
  description: 'largest request body in bytes (413 beyond)',
};
const rateLimit = {
  type: 'object',
  additionalProperties: false,
  required: ['max'],
  properties: {
    max: { type: 'integer', minimum: 1 },
    window: { ...duration, default: '1m' },
    by: { enum: ['subject', 'ip'], default: 'subject', description: 'subject falls back to the client IP' },
  },
};

/**
 * routes.yaml, version 1. The single source for validation (Ajv, with these defaults) and for
 * the editor schema `routing-rules/schema.json`, generated by `npm run rules:schema`.
 */
export const rulesSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://fig.dev/schemas/routes.v1.json',
  title: 'Fig routing rules',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'upstreams', 'routes'],
  properties: {
    version: { const: 1 },
    upstreams: {
      type: 'object',
      description: 'name -> where it lives; `monolith` must exist',
      required: ['monolith'],
      propertyNames: name,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: {
          url: { type: 'string', pattern: '^https?://[^/?#\\s]+/?$', description: 'origin, no path' },
          connectTimeout: { ...duration, default: '1s' },
          timeout: { ...duration, default: '10s', description: 'until the response headers arrive' },
          bodyTimeout: { ...duration, default: '30s', description: 'between body chunks' },
          connections: { type: 'integer', minimum: 1, maximum: 4096, default: 128 },
          retries: { type: 'integer', minimum: 0, maximum: 3, default: 1 },
          dryRun: {
            type: 'boolean',
            description:
              'answers a request marked `x-fig-dry-run: 1` as a dry run (validates and answers, changes nothing), so writes may be shadowed to it',
          },
          breaker: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              volumeThreshold: { type: 'integer', minimum: 1, default: 20 },
              errorThresholdPercentage: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 50 },
              resetTimeout: { ...duration, default: '5s' },
              rollingWindow: { ...duration, default: '10s' },
            },
          },
        },
      },
    },
    defaults: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        auth: { ...authMode, default: 'required' },
        rateLimit: { ...rateLimit, default: { max: 1000 } },
        sticky: { ...sticky, default: 'subject' },
        bodyLimit: { ...bodyLimit, default: 1048576 },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'path'],
        properties: {
          name: { ...name, description: 'unique; also the GraphQL override label' },
          path: {
            type: 'string',
            pattern: "^/([A-Za-z0-9._~!$&'()*+,;=:@%-]+(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*)?$",
            description: 'prefix on a segment boundary, no trailing slash; longest prefix wins',
          },
          methods: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
          },
          service: { ...name, description: 'the extracted service taking `percent` of the traffic' },
          upstream: { ...name, description: 'send everything to this upstream' },
          percent: { type: 'number', minimum: 0, maximum: 100, default: 0 },
          sticky,
          shadow: { type: 'number', minimum: 0, maximum: 100, description: '% of safe requests compared' },
          compare,
          ramp,
          auth: authMode,
          scopes: {
            type: 'array',
            uniqueItems: true,
            items: { type: 'string', pattern: '^[!#-\\[\\]-~]+$' },
            description: 'token scopes a request needs (403 without them)',
          },
          rateLimit,
          bodyLimit,
        },
      },
    },
  },
} as const;
