// @ts-check
// The ramps section of the migration dashboard: per ramped route the plan and where it is on
// it, the evidence against each gate with its bounds, and the decision log. It draws the admin
// `/ramps` report as it is; the sentence on top is the decision the next judgement will make.
/** @import { RampReport, RampsReport } from '../../ramp/ramp-report.ts' */
/** @import { GateResult } from '../../ramp/gates.ts' */
import { html } from 'htm/preact';

/** @param {number} ms */
const duration = (ms) => {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
};
/** @param {number} at */
const time = (at) =>
  new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** @param {number | undefined} value */
const pct = (value) => (value === undefined ? '–' : `${Math.round(value * 100) / 100}%`);

/** @type {Record<string, string>} */
const gateNames = {
  'errorRate.max': 'service 5xx',
  'errorRate.maxIncrease': '5xx rise over the monolith',
  'latency.p99Increase': 'p99 over the monolith',
  'mismatches.max': 'real mismatches',
};

/** @param {{ ramp: RampReport }} props */
function Plan({ ramp }) {
  const stopped = ramp.status === 'failed' || ramp.status === 'aborted';
  return html`<ol class="plan">
    <li class="step floor ${stopped ? 'current' : ''}">floor ${ramp.percent}%</li>
    ${ramp.plan.steps.map((step, i) => {
      const state = stopped ? '' : i < ramp.step ? 'passed' : i === ramp.step ? 'current' : '';
      const approval = ramp.plan.approve.includes(step);
      return html`<li class="step ${state}" data-step=${step} title=${approval ? 'waits for approval' : ''}>
        ${step}%${approval ? html` <span class="approve">approval</span>` : ''}
      </li>`;
    })}
  </ol>`;
}

/** @param {{ gate: GateResult }} props */
function Gate({ gate }) {
  // The bar spans 0 to twice the limit; the band is the always-valid interval, the tick the limit.
  const scale = Math.max(gate.limit * 2, gate.observed ?? 0, 0.01);
  const at = (/** @type {number} */ value) => `${Math.min(100, Math.max(0, (value / scale) * 100))}%`;
  const left = Math.max(0, gate.lower);
  const right = Math.min(scale, gate.upper);
  return html`<tr class="gate ${gate.outcome}" data-gate=${gate.gate}>
    <td>${gateNames[gate.gate] ?? gate.gate}</td>
    <td class="outcome">${gate.outcome === 'wait' ? 'not enough evidence' : gate.outcome}</td>
    <td class="num">${pct(gate.observed)}</td>
    <td class="num">${pct(gate.lower)} – ${pct(gate.upper)}</td>
    <td class="num">${pct(gate.limit)}</td>
    <td class="gate-bar">
      <div class="track">
        <div class="band" style=${`left:${at(left)};width:calc(${at(right)} - ${at(left)})`}></div>
        <div class="limit" style=${`left:${at(gate.limit)}`}></div>
      </div>
    </td>
    <td class="why">${gate.text}</td>
  </tr>`;
}

/** @param {{ ramp: RampReport }} props */
function RampCard({ ramp }) {
  const evaluation = ramp.evaluation;
  const headline =
    evaluation?.text ??
    (ramp.status === 'starting' ? 'starting: the deciding gateway begins it within a second' : ramp.status);
  const onStep = ramp.onStepMs === undefined ? '' : `${duration(ramp.onStepMs)} on this step · `;
  const pace =
    `judged every ${duration(ramp.plan.intervalMs)}, at least ${duration(ramp.plan.minDurationMs)} ` +
    `and ${ramp.plan.minRequests} requests per side a step`;
  return html`<article class="ramp panel" data-ramp=${ramp.route}>
    <header class="route-head">
      <div>
        <h2>${ramp.route} <span class="dim">ramp</span></h2>
        <div class="path">${ramp.path} <span class="dim">→ ${ramp.service}</span></div>
      </div>
      <div class="head-side">
        <div class="ramp-status ${ramp.status}" data-ramp-status>
          ${ramp.status} · serving ${ramp.effectivePercent}%
        </div>
      </div>
    </header>
    <${Plan} ramp=${ramp} />
    <p class="decision" data-decision>${headline}</p>
    <p class="dim">${onStep + pace}</p>
    ${
      evaluation &&
      evaluation.gates.length > 0 &&
      html`<table class="gates">
        <thead>
          <tr>
            <th>gate</th>
            <th>outcome</th>
            <th>observed</th>
            <th>always-valid bounds</th>
            <th>limit</th>
            <th></th>
            <th>why</th>
          </tr>
        </thead>
        <tbody>
          ${evaluation.gates.map((gate) => html`<${Gate} key=${gate.gate} gate=${gate} />`)}
        </tbody>
      </table>`
    }
    ${evaluation?.split && html`<p class="ramp-split dim">split: ${evaluation.split}</p>`}
    <h3>Decisions</h3>
    <ol class="decisions">
      ${
        ramp.log.length === 0
          ? html`<li class="dim">No decision yet.</li>`
          : ramp.log.map(
              (move) =>
                html`<li data-reason=${move.reason}>
                  <span class="when">${time(Date.parse(move.at))}</span>
                  <span class="kind ${move.reason}">${move.reason}</span>
                  <span>${move.text}</span>
                  ${move.fields?.length ? html`<span class="mono fields">${move.fields.join(', ')}</span>` : ''}
                </li>`,
            )
      }
    </ol>
  </article>`;
}

/** @param {{ report?: RampsReport }} props */
export function Ramps({ report }) {
  if (!report || report.ramps.length === 0) return '';
  return html`<section class="ramps">
    ${report.ramps.map((ramp) => html`<${RampCard} key=${ramp.route} ramp=${ramp} />`)}
  </section>`;
}
