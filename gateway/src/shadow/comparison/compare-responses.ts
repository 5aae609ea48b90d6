import { type Difference, diffJson, ignoreMatcher } from './json-diff.ts';
import type { CompareOptions } from './compare-options.ts';

/** An upstream answer as the comparison sees it: the body is captured up to a cap. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body was longer than the capture cap, so it cannot be compared. */
  truncated: boolean;
}

function headerValue(headers: CapturedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function isJson(response: CapturedResponse): boolean {
  return /[/+]json\b/i.test(headerValue(response.headers, 'content-type') ?? '');
}

type Parsed = { ok: true; value: unknown } | { ok: false };

// The serving side's body is compared twice when a noise probe was taken: parse it once.
const parsed = new WeakMap<Buffer, Parsed>();

function parseJson(body: Buffer): Parsed {
  let result = parsed.get(body);
  if (result) return result;
  if (body.length === 0) result = { ok: true, value: undefined };
  else {
    try {
      result = { ok: true, value: JSON.parse(body.toString('utf8')) };
    } catch {
      result = { ok: false };
    }
  }
  parsed.set(body, result);
  return result;
}

/**
 * Everything that differs between two answers to the same request: the status, the
 * configured headers, and the body — field by field when both sides sent JSON, as a whole
 * otherwise. `left` is always the side that served the client.
 */
export function compareResponses(
  left: CapturedResponse,
  right: CapturedResponse,
  options: CompareOptions,
): Difference[] {
  const ignored = ignoreMatcher(options.ignore);
  const differences: Difference[] = [];
  if (left.status !== right.status && !ignored('status')) {
    differences.push({ path: 'status', field: 'status', left: left.status, right: right.status });
  }
  for (const name of options.headers) {
    const field = `headers.${name}`;
    const a = headerValue(left.headers, name);
    const b = headerValue(right.headers, name);
    if (a !== b && !ignored(field)) differences.push({ path: field, field, left: a, right: b });
  }
  // Identical bytes need no parsing: the common case once a service is right.
  if (left.body.equals(right.body)) return differences;
  if (isJson(left) && isJson(right)) {
    const a = parseJson(left.body);
    const b = parseJson(right.body);
    if (a.ok && b.ok) {
      return differences.concat(diffJson(a.value, b.value, options));
    }
  }
  if (!ignored('body')) {
    differences.push({
      path: 'body',
      field: 'body',
      left: left.body.toString('utf8'),
      right: right.body.toString('utf8'),
    });
  }
  return differences;
}
