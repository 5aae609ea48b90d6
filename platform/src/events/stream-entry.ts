import { envelopeProblem, type FigEvent } from './envelope.ts';

/** A stream entry as XREADGROUP and XAUTOCLAIM return it; fields null when it was deleted. */
export type StreamEntry = [id: string, fields: string[] | null];

/** The `event` field's value (fields come as a flat name, value, name, value… list). */
export function eventField(fields: readonly string[]): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'event') return fields[index + 1];
  }
  return undefined;
}

/**
 * The event an entry carries, or why it cannot be applied: no `event` field, not JSON, not an
 * envelope, or a type other than the stream's (nobody consumes a type from the wrong stream).
 */
export function readEvent(
  raw: string | undefined,
  stream: string,
  validate?: (event: FigEvent) => string | null,
): { event: FigEvent } | { reason: string } {
  if (raw === undefined) return { reason: 'the entry has no `event` field' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { reason: `the event is not JSON: ${(error as Error).message}` };
  }
  const problem = envelopeProblem(parsed);
  if (problem) return { reason: `not an event envelope: ${problem}` };
  const event = parsed as FigEvent;
  if (event.event_type !== stream) {
    return { reason: `unknown event type ${event.event_type} on stream ${stream}` };
  }
  const invalid = validate?.(event);
  return invalid ? { reason: invalid } : { event };
}
