// `npm run ramp -- status [route]` and `npm run ramp -- approve|pause|resume|abort <route>`:
// the ramps of a running gateway, through its admin API (FIG_ADMIN_URL, default
// http://127.0.0.1:9901; ADMIN_TOKEN when the admin port needs it). Exit 1 when the gateway
// refuses (the reason is printed), 2 on a usage error.
import { parseArgs } from 'node:util';
import type { RampReport, RampsReport } from './ramp-report.ts';

const actions = ['approve', 'pause', 'resume', 'abort'];
const { positionals } = parseArgs({ allowPositionals: true });
const [command, route] = positionals;
const base = (process.env.FIG_ADMIN_URL ?? 'http://127.0.0.1:9901').replace(/\/$/, '');
const headers: Record<string, string> = process.env.ADMIN_TOKEN
  ? { authorization: `Bearer ${process.env.ADMIN_TOKEN}` }
  : {};

function usage(): never {
  console.error('usage: npm run ramp -- status [route] | approve|pause|resume|abort <route>');
  process.exit(2);
}

const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`;
};

/** A ramp in a few lines: where it is on its plan, the last judgement per gate, the last moves. */
function describe(ramp: RampReport): string[] {
  const plan = ramp.plan.steps
    .map((step, i) => {
      const mark = ramp.plan.approve.includes(step) ? '*' : '';
      return i === ramp.step && ramp.status !== 'failed' && ramp.status !== 'aborted'
        ? `[${step}%${mark}]`
        : `${step}%${mark}`;
    })
    .join(' -> ');
  const lines = [
    `${ramp.route}: ${ramp.status}, serving ${ramp.effectivePercent}% (floor ${ramp.percent}%)` +
      (ramp.onStepMs === undefined ? '' : `, ${duration(ramp.onStepMs)} on this step`),
    `  plan: ${plan}   (* waits for approval)`,
  ];
  if (ramp.evaluation) {
    lines.push(`  now: ${ramp.evaluation.text}`);
    for (const gate of ramp.evaluation.gates)
      lines.push(`    ${gate.outcome.padEnd(4)} ${gate.gate}: ${gate.text}`);
    if (ramp.evaluation.split) lines.push(`    split: ${ramp.evaluation.split}`);
  }
  for (const move of ramp.log.slice(0, 5)) lines.push(`  ${move.at} ${move.reason}: ${move.text}`);
  return lines;
}

async function call(method: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers });
  } catch (error) {
    console.error(`cannot reach the gateway's admin API at ${base}: ${(error as Error).message}`);
    process.exit(1);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { message: string } };
  if (!response.ok) {
    console.error(`${response.status}: ${body.error?.message ?? 'refused'}`);
    process.exit(1);
  }
  return body;
}

if (command === 'status') {
  const report = (await call('GET', '/ramps')) as RampsReport;
  const ramps = report.ramps.filter((ramp) => route === undefined || ramp.route === route);
  if (route !== undefined && ramps.length === 0) {
    console.error(`no ramp on route ${route}`);
    process.exit(1);
  }
  if (ramps.length === 0) console.log('no ramps in the active rules');
  for (const ramp of ramps) console.log(describe(ramp).join('\n'));
} else if (actions.includes(command ?? '') && route) {
  const ramp = (await call('POST', `/ramps/${encodeURIComponent(route)}/${command}`)) as RampReport;
  console.log(describe(ramp).join('\n'));
} else usage();
