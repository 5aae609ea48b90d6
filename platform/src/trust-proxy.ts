/**
 * TRUST_PROXY, the one spelling of "which forwarded headers to believe": `false` (clients'
 * forwarded headers are ignored), `true` (trust every hop — only behind a proxy that
 * overwrites them), a hop count, or comma-separated addresses/CIDRs of the trusted proxies
 * (or proxy-addr's names `loopback`, `linklocal`, `uniquelocal`). Every edge that takes
 * forwarded headers reads it with this schema and this parser.
 */
export const trustProxyEnvProperty = (fallback: string) => ({
  type: 'string',
  pattern: '^(true|false|[0-9]+|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$',
  default: fallback,
});

/**
 * Fastify's `trustProxy` from a TRUST_PROXY value the schema accepted. A hop count is given
 * as the function Fastify makes of one itself (trust the nearest `hops` proxies), since its
 * types leave the number out.
 */
export function trustProxyOption(
  value: string,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value.split(',');
}
