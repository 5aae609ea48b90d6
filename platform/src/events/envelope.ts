import { randomBytes, randomUUID } from 'node:crypto';
import { currentTraceIds } from '../tracing/spans.ts';
import { compileJsonSchema } from '../validation.ts';

export interface EventMetadata {
  /** W3C trace id: 32 lowercase hex digits, not all zero. */
  trace_id: string;
  /** W3C span id: 16 lowercase hex digits, not all zero. */
  span_id: string;
}

/** The envelope every Fig event travels in (DESIGN §3.5), field for field. */
export interface FigEvent<D = unknown> {
  /** `evt_` and a random id: what consumers deduplicate on. */
  event_id: string;
  /** e.g. `checkout.order_created.v1`; the stream has this name. */
  event_type: string;
  /** ISO 8601, when the change happened. */
  timestamp: string;
  data: D;
  metadata: EventMetadata;
}

/** `<area>.<fact>.v<version>`: lowercase words, so a type is also a safe stream name. */
export const eventTypePattern = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.v[1-9][0-9]*$';

/** The envelope's JSON Schema; `data` is the event type's own business (its consumer checks it). */
export const eventEnvelopeSchema = {
  type: 'object',
  required: ['event_id', 'event_type', 'timestamp', 'data', 'metadata'],
  additionalProperties: false,
  properties: {
    event_id: { type: 'string', pattern: '^evt_[A-Za-z0-9_-]{8,64}$' },
    event_type: { type: 'string', maxLength: 200, pattern: eventTypePattern },
    timestamp: { type: 'string', format: 'date-time' },
    data: {},
    metadata: {
      type: 'object',
      required: ['trace_id', 'span_id'],
      additionalProperties: false,
      properties: {
        trace_id: { type: 'string', pattern: '^(?!0{32})[0-9a-f]{32}$' },
        span_id: { type: 'string', pattern: '^(?!0{16})[0-9a-f]{16}$' },
      },
    },
  },
} as const;

/** Why `value` is not an envelope, or null when it is one. */
export const envelopeProblem = compileJsonSchema(eventEnvelopeSchema);

function randomHex(bytes: number): string {
  // All zeros is W3C's "invalid id"; 2^-64 at worst, but cheap to rule out.
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(hex)) return hex;
  }
}

/** Ids of a trace of its own, for an event made outside any span (tracing off, or a loop's work). */
const freshTraceIds = (): EventMetadata => ({ trace_id: randomHex(16), span_id: randomHex(8) });

export function newEvent<D>(event_type: string, data: D, metadata?: EventMetadata): FigEvent<D> {
  return {
    event_id: `evt_${randomUUID().replaceAll('-', '')}`,
    event_type,
    timestamp: new Date().toISOString(),
    data,
    // The active span's ids, so the event joins the trace of the change; else fresh ones.
    metadata: metadata ?? currentTraceIds() ?? freshTraceIds(),
  };
}
