// The ramp's decision method on many synthetic ramps whose truth is known: how often a good
// service is rolled back (false rollback) and a bad one promoted (false promotion), at
// realistic traffic, with the default gates. Each ramp is judged by the gateway's own code
// (gateway/src/ramp/ramp-machine.ts) every interval on counters drawn at random.
// `node bench/ramp-simulation.ts`; env RAMP_SIM_RAMPS (per scenario and traffic level,
// default 400), RAMP_SIM_SEED.
import { judgeRamp, startRamp } from '../gateway/src/ramp/ramp-machine.ts';
import type { RampState } from '../gateway/src/ramp/ramp-state.ts';
import { inventoryRoute } from '../gateway/test/ramp/inventory-route.ts';

const ramps = Number(process.env.RAMP_SIM_RAMPS ?? 400);
let seed = Number(process.env.RAMP_SIM_SEED ?? 1) >>> 0;

/** mulberry32: a small seeded generator, so a run can be repeated. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function normal(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A binomial draw: exact for small counts, Poisson for rare events, normal otherwise. */
function binomial(n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (random() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 15 && p < 0.1) {
    let k = 0;
    let product = random();
    const limit = Math.exp(-mean);
    while (product > limit) {
      k++;
      product *= random();
    }
    return Math.min(k, n);
  }
  const sd = Math.sqrt(mean * (1 - p));
  return Math.min(n, Math.max(0, Math.round(mean + sd * normal())));
}

const route = inventoryRoute(`
    percent: 0
    sticky: none
    shadow: 10
    ramp:
      steps: [1, 5, 25, 50, 100]
      interval: 30s
      minDuration: 5m
      minRequests: 200
      gates:
        errorRate: { max: 1%, maxIncrease: 0.5% }
        mismatches: { max: 0.1% }
`);
const ramp = route.ramp!;
const thresholds = { relativeThreshold: 20, absoluteThreshold: 0.03 };

interface Scenario {
  name: string;
  good: boolean;
  monolithErrors: number;
  serviceErrors: number;
  /** Share of comparisons in which one field really differs. */
  fieldDiffers: number;
}

const scenarios: Scenario[] = [
  {
    name: 'good: 5xx 0.2% on both sides',
    good: true,
    monolithErrors: 0.002,
    serviceErrors: 0.002,
    fieldDiffers: 0,
  },
  {
    name: 'good: service 5xx 0.5% vs 0.2%',
    good: true,
    monolithErrors: 0.002,
    serviceErrors: 0.005,
    fieldDiffers: 0,
  },
  { name: 'bad: service 5xx 3%', good: false, monolithErrors: 0.002, serviceErrors: 0.03, fieldDiffers: 0 },
  {
    name: 'bad: service 5xx 1.5%',
    good: false,
    monolithErrors: 0.002,
    serviceErrors: 0.015,
    fieldDiffers: 0,
  },
  {
    name: 'bad: a field differs in 0.5%',
    good: false,
    monolithErrors: 0.002,
    serviceErrors: 0.002,
    fieldDiffers: 0.005,
  },
];

interface Outcome {
  rolledBack: boolean;
  promoted: boolean;
  done: boolean;
  hours: number;
}

const horizonMs = 24 * 3_600_000;

function simulate(scenario: Scenario, rate: number): Outcome {
  const totals = new Map<string, number>();
  const add = (name: string, n: number) => n && totals.set(name, (totals.get(name) ?? 0) + n);
  let now = 0;
  let state: RampState = startRamp(route, totals, now).state;
  let promoted = false;
  while (now < horizonMs) {
    now += ramp.intervalMs;
    const requests = binomial(Math.round(rate * 2 * (ramp.intervalMs / 1000)), 0.5);
    const share = Math.max(route.percent, state.share) / 100;
    const service = binomial(requests, share);
    const monolith = requests - service;
    add('requests|service', service);
    add('requests|monolith', monolith);
    add('errors|service', binomial(service, scenario.serviceErrors));
    add('errors|monolith', binomial(monolith, scenario.monolithErrors));
    const compared = binomial(requests, (route.shadow ?? 0) / 100);
    add('compared', compared);
    add('noise_probes', binomial(compared, 0.1));
    const differing = binomial(compared, scenario.fieldDiffers);
    add('diff|body.amount_cents', differing);
    add('set|body.amount_cents', differing);
    const step = judgeRamp(route, state, totals, thresholds, now);
    state = step.state;
    if (step.transition?.reason === 'advance' || step.transition?.reason === 'done') promoted = true;
    if (state.status === 'failed' || state.status === 'done') break;
  }
  return {
    rolledBack: state.status === 'failed',
    promoted,
    done: state.status === 'done',
    hours: now / 3_600_000,
  };
}

const percent = (n: number, of: number) => `${((n / of) * 100).toFixed(2)}%`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

console.log(
  `ramp simulation: ${ramps} ramps per line, steps ${ramp.steps.join(',')}%, interval 30s, minDuration 5m, ` +
    `minRequests 200, gates errorRate max 1% / +0.5 points, mismatches 0.1%, shadow 10%, 24 h horizon`,
);
let falseRollbacks = 0;
let goodRamps = 0;
let falsePromotions = 0;
let badRamps = 0;
for (const rate of [20, 200]) {
  for (const scenario of scenarios) {
    const outcomes = Array.from({ length: ramps }, () => simulate(scenario, rate));
    const rolledBack = outcomes.filter((o) => o.rolledBack);
    const promoted = outcomes.filter((o) => o.promoted).length;
    const done = outcomes.filter((o) => o.done);
    if (scenario.good) {
      goodRamps += ramps;
      falseRollbacks += rolledBack.length;
    } else {
      badRamps += ramps;
      falsePromotions += promoted;
    }
    console.log(
      `${String(rate).padStart(4)} req/s  ${scenario.name.padEnd(34)} rolled back ${percent(rolledBack.length, ramps).padStart(7)}` +
        `  promoted ${percent(promoted, ramps).padStart(7)}  reached 100% ${percent(done.length, ramps).padStart(7)}` +
        (done.length ? `  median ${median(done.map((o) => o.hours)).toFixed(1)} h to done` : '') +
        (rolledBack.length
          ? `  median ${(median(rolledBack.map((o) => o.hours)) * 60).toFixed(0)} min to rollback`
          : ''),
    );
  }
}
console.log(
  `false rollback ${percent(falseRollbacks, goodRamps)} of ${goodRamps} good ramps; ` +
    `false promotion ${percent(falsePromotions, badRamps)} of ${badRamps} bad ramps`,
);
