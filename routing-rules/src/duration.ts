const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The pattern the schema accepts: an integer and a unit, like `250ms`, `2s`, `1m`, `1h`. */
export const durationPattern = '^[0-9]+(ms|s|m|h)$';

/** Milliseconds of a duration the schema has already accepted. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * units[match[2]];
}
