import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

// The admin port answers only requests addressed to one of its own names. A web page cannot
// read another origin's answers, but it can rebind its own DNS name to 127.0.0.1: its
// requests then reach the admin port carrying the page's name in `Host`. Checking `Host`
// against the names the admin port really has closes that door.

/** Names every admin listener has: it can always be reached on loopback. */
export const loopbackNames = ['localhost', '127.0.0.1', '[::1]'] as const;

/** ADMIN_HOST values that listen on every interface. */
const wildcards = new Set(['0.0.0.0', '[::]']);

// A Host header (RFC 9110 §7.2): a registered name or an IPv4 address, or an IPv6 address in
// brackets, and an optional port. Anything else (user info, a path, spaces) is not a name of ours.
const hostHeader = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::[0-9]{1,5})?$/;

// One configured name: a DNS name or IPv4 address, or an IPv6 address with or without
// brackets (as the downward API gives a pod's IPv6 address). No port: any port is accepted.
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const hostNameSyntax = `(?:${label}(?:\\.${label})*|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\\]?)`;
const nameEntry = new RegExp(`^${hostNameSyntax}$`);

/** `[…]` with the address in its shortest form, as a browser writes it; undefined when invalid. */
function bracketedIPv6(address: string): string | undefined {
  if (!isIPv6(address)) return undefined;
  return new URL(`http://[${address}]/`).hostname;
}

/**
 * A configured name in the form `hostOf` returns: lower case, an IPv6 address bracketed and
 * shortened. Undefined when it is not a valid name.
 */
export function normaliseName(name: string): string | undefined {
  if (!nameEntry.test(name)) return undefined;
  if (!name.includes(':')) return name.toLowerCase();
  return bracketedIPv6(name.replace(/^\[(.*)\]$/, '$1'));
}

/** The name a Host header addresses, without its port, normalised; undefined when malformed. */
export function hostOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : hostHeader.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? bracketedIPv6(match[1]) : match[2].toLowerCase();
}

/** Every address of this machine's interfaces (no zoned link-local ones, which a Host cannot carry). */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => {
      if (!info || (info.family === 'IPv6' && info.scopeid)) return [];
      return [info.family === 'IPv6' ? bracketedIPv6(info.address)! : info.address];
    });
}

/**
 * The names the admin port answers to: loopback, ADMIN_HOST (on a wildcard address, every
 * address of this machine's interfaces, read once at start: a probe or a scraper reaching a
 * pod by its IP sends that) and the operator's extra names.
 */
export function ownHostNames(adminHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>(loopbackNames);
  const listening = normaliseName(adminHost);
  if (listening) names.add(listening);
  if (listening && wildcards.has(listening)) for (const address of interfaceAddresses()) names.add(address);
  for (const name of extra) {
    const normalised = normaliseName(name);
    if (normalised) names.add(normalised);
  }
  return names;
}
