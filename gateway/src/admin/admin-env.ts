import { hostNameSyntax, normaliseName } from './host-names.ts';

// Who may reach the admin port follows from where it listens: on loopback only this machine,
// so without ADMIN_TOKEN it is open (to local processes; browsers are kept out by the Host
// check). Anywhere else it must have a token.

/** ADMIN_HOST values that listen on loopback only. */
export const loopbackListenPattern =
  '^(?:localhost|127(?:\\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}|::1|::ffff:127(?:\\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3})$';

/**
 * The admin rules as JSON Schema (what the schema can say; `adminEnvProblems` says the same
 * with reasons, and more).
 */
export const adminEnvRules = [
  {
    if: {
      properties: { ADMIN_HOST: { not: { pattern: loopbackListenPattern } } },
      required: ['ADMIN_HOST'],
    },
    then: { required: ['ADMIN_TOKEN'] },
  },
  { if: { required: ['METRICS_TOKEN'] }, then: { required: ['ADMIN_TOKEN'] } },
  { properties: { ADMIN_ALLOWED_HOSTS: { pattern: `^${hostNameSyntax}(?:,${hostNameSyntax})*$` } } },
];

const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** Every admin rule the env breaks, each with its reason; never a token's value. */
export function adminEnvProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const host = given(env.ADMIN_HOST) ?? '127.0.0.1';
  const adminToken = given(env.ADMIN_TOKEN);
  const metricsToken = given(env.METRICS_TOKEN);
  if (!adminToken && !new RegExp(loopbackListenPattern).test(host)) {
    problems.push(
      `ADMIN_TOKEN is required: ADMIN_HOST ${host} is not a loopback address, so the admin API (rules, comparisons, metrics) would be open to the network`,
    );
  }
  if (metricsToken && !adminToken) {
    problems.push(
      'METRICS_TOKEN needs ADMIN_TOKEN: without ADMIN_TOKEN the admin API, /metrics included, needs no token at all',
    );
  }
  if (metricsToken && metricsToken === adminToken) {
    problems.push('METRICS_TOKEN must differ from ADMIN_TOKEN: the metrics token grants /metrics only');
  }
  for (const entry of given(env.ADMIN_ALLOWED_HOSTS)?.split(',') ?? []) {
    if (!normaliseName(entry)) {
      problems.push(
        `ADMIN_ALLOWED_HOSTS: "${entry}" is not a host name or IP address (comma-separated names, no ports)`,
      );
    }
  }
  return problems;
}
