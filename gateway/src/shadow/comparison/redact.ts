// Field names whose values never leave the gateway: credentials, tokens, card data, payment methods.
const sensitiveName =
  /(authorization|cookie|token|secret|password|passwd|api[-_]?key|card|pan$|cvc|cvv|iban|payment[-_]?method|idempotency)/i;
// Values that are credentials or card numbers whatever their field is called.
const sensitiveValue = [
  /^Bearer\s/i,
  /^eyJ[\w-]+\.[\w-]+\./, // a JWT
  /^pm_/, // a payment method token
  /^(?:\d[ -]?){13,19}$/, // a card number
];

export const redacted = '[redacted]';

const lastName = (path: string) =>
  path
    .split(/[.[\]]/)
    .filter(Boolean)
    .pop() ?? '';

/** A value as it may appear in example pairs on the dashboard and in `/comparisons`. */
export function redactValue(path: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (sensitiveName.test(lastName(path)) || sensitiveName.test(path)) return redacted;
  if (typeof value === 'string')
    return sensitiveValue.some((pattern) => pattern.test(value)) ? redacted : value;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, index) => redactValue(`${path}[${index}]`, item));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      redactValue(`${path}.${key}`, item),
    ]),
  );
}

/**
 * Query strings carry tokens, e-mails and search terms: an example URL keeps the path and the
 * parameter names, never a value.
 */
export function redactUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  if (query === undefined) return path;
  // Read as text by a person, so the placeholder is left as it is rather than percent-encoded.
  const names = new Set(new URLSearchParams(query).keys());
  return `${path}?${[...names].map((name) => `${encodeURIComponent(name)}=${redacted}`).join('&')}`;
}
