import { createHmac, randomBytes } from 'node:crypto';
import { ignoreMatcher } from './json-diff.ts';
import { redactValue } from './redact.ts';

/**
 * What is kept of a differing value the route does not show: enough for an operator to see
 * that the field differs, how (type, length) and whether values repeat (equal hashes mean
 * equal values), nothing to read a name, an e-mail or an address back from.
 */
export interface ValueSummary {
  type: 'absent' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
  /** Characters of a string or number, items of an array, keys of an object. */
  length?: number;
  /** The first hex digits of an HMAC-SHA256 of the value's JSON, under the gateway's key. */
  hash?: string;
}

const hashHexDigits = 8;

function typeOf(value: unknown): ValueSummary['type'] {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return String(value).length;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return undefined;
}

/**
 * Turns differing values into what may be stored as an example. A keyed hash rather than a
 * plain one: without the key, a short list of candidates (e-mails, postcodes) cannot be
 * hashed and matched against the stored digits.
 */
export class ExampleValues {
  readonly #key: Buffer;

  /** `key`: shared by gateway instances that share comparisons, so their hashes agree; random otherwise. */
  constructor(key?: string) {
    this.#key = key ? Buffer.from(key, 'utf8') : randomBytes(32);
  }

  summary(value: unknown): ValueSummary {
    const type = typeOf(value);
    if (type === 'absent') return { type };
    const summary: ValueSummary = { type };
    const length = lengthOf(value);
    if (length !== undefined) summary.length = length;
    summary.hash = createHmac('sha256', this.#key)
      .update(JSON.stringify(value))
      .digest('hex')
      .slice(0, hashHexDigits);
    return summary;
  }

  /**
   * Whether a field's values may be kept: the route lists it (or a pattern over it) in
   * `compare.showValues`. The HTTP status is the answer's, never a person's, and always shown.
   */
  static shown(field: string, showValues: string[]): boolean {
    return field === 'status' || (showValues.length > 0 && ignoreMatcher(showValues)(field));
  }

  /** A value as kept in an example: redacted when shown, summarised otherwise. */
  value(path: string, value: unknown, shown: boolean): unknown {
    return shown ? redactValue(path, value) : this.summary(value);
  }
}
