/**
 * Headers on every response the gateway writes itself (errors, refusals): such a response is
 * JSON and never meant to be rendered, framed, sniffed or cached. Proxied responses keep
 * whatever their upstream chose.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
