// @ts-check
// The migration dashboard: polls the admin `/comparisons` report and redraws in place. Type-checked
// against the report's own types (tsconfig.json beside this file, part of `npm run typecheck`).
/** @import { ComparisonsReport, DashboardRoute } from '../comparisons-report.ts' */
/** @import { RampsReport } from '../../ramp/ramp-report.ts' */
/** @import { EdgeEvent } from '../event-log.ts' */
/** @import { RouteCharts } from '../route-charts.ts' */
/** @import { ExamplePair } from '../../shadow/comparison/comparison-store.ts' */
/** @import { ValueSummary } from '../../shadow/comparison/example-values.ts' */
import { html, render } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { Ramps } from './ramps.js';

const pollMs = 2000;
const count = new Intl.NumberFormat('en-US');
const colours = {
  monolith: '#d29922',
  service: '#58a6ff',
  match: '#3fb950',
  noise: '#8b949e',
  mismatch: '#f85149',
  grid: 'rgba(240, 246, 252, 0.06)',
  axis: '#8b949e',
  /** @type {Record<EdgeEvent['kind'], string>} */
  events: {
    reload: '#a371f7',
    'reload-rejected': '#f85149',
    'breaker-open': '#f85149',
    'breaker-half-open': '#d29922',
    'breaker-closed': '#3fb950',
  },
};

/** The edge events of the latest report, drawn on every chart. */
let latestEvents = /** @type {EdgeEvent[]} */ ([]);

/** @param {number | undefined} rate */
const percent = (rate, digits = 1) => (rate === undefined ? '–' : `${(rate * 100).toFixed(digits)}%`);
/** @param {number | undefined} value */
const ms = (value) =>
  value === undefined ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
/** @param {number} at */
const time = (at) =>
  new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** @param {string} field */
const shortField = (field) =>
  field === 'status'
    ? 'HTTP status'
    : field.startsWith('headers.')
      ? `header ${field.slice(8)}`
      : field === 'body'
        ? 'body (not JSON)'
        : field.replace(/^body\./, '');
/** @param {unknown} value */
const show = (value) => (value === undefined ? '(absent)' : JSON.stringify(value, null, 1));

/**
 * A hidden value as kept: `string(24) #1a2b3c4d` (equal hashes mean equal values).
 * @param {ValueSummary} value
 */
const summary = (value) =>
  value.type === 'absent'
    ? '(absent)'
    : `${value.type}${value.length === undefined ? '' : `(${value.length})`}${value.hash ? ` #${value.hash}` : ''}`;

/** @param {ExamplePair} example @param {unknown} value */
const showExample = (example, value) =>
  example.shown ? show(value) : summary(/** @type {ValueSummary} */ (value));

const hiddenNote =
  'Values are hidden: each side shows its type, length and a keyed hash (equal hashes, equal values). ' +
  'To see a field’s values, list it in the route’s compare.showValues in routes.yaml.';

/**
 * Draws the edge events as vertical lines, so a drop in match rate lines up with its cause.
 * @returns {uPlot.Plugin}
 */
const eventsPlugin = () => ({
  hooks: {
    draw: [
      (u) => {
        const { ctx, bbox } = u;
        const { min = 0, max = 0 } = u.scales.x;
        ctx.save();
        for (const event of latestEvents) {
          const x = event.at / 1000;
          if (x < min || x > max) continue;
          const left = Math.round(u.valToPos(x, 'x', true));
          ctx.strokeStyle = colours.events[event.kind] ?? colours.axis;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(left, bbox.top);
          ctx.lineTo(left, bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    ],
  },
});

/**
 * Plain clock ticks (with seconds when the window is short): uPlot's default time labels add
 * a date line that overlaps the first tick.
 * @type {uPlot.Axis.DynamicValues}
 */
const clock = (u, splits) => {
  const short = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0) < 600;
  /** @type {Intl.DateTimeFormatOptions} */
  const format = {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    ...(short ? { second: '2-digit' } : {}),
  };
  return splits.map((t) => new Date(t * 1000).toLocaleTimeString([], format));
};

/**
 * @param {(value: number) => string} unit
 * @returns {uPlot.Axis[]}
 */
function axes(unit) {
  const axis = {
    stroke: colours.axis,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid },
  };
  return [
    { ...axis, space: 70, values: clock },
    { ...axis, size: 52, values: (_u, values) => values.map(unit) },
  ];
}

/**
 * @typedef {object} ChartSpec
 * @property {uPlot.Series[]} series
 * @property {(route: RouteCharts) => uPlot.AlignedData} data
 * @property {(value: number) => string} unit
 * @property {[number, number]} [range] a fixed y range, else from 0 to a little above the top
 */

/** @type {Record<'rates' | 'traffic', ChartSpec>} */
const charts = {
  rates: {
    series: [
      {
        label: 'match',
        stroke: colours.match,
        width: 2,
        fill: 'rgba(63, 185, 80, 0.12)',
        spanGaps: true,
        points: { size: 5, fill: colours.match },
      },
      {
        label: 'noise only',
        stroke: colours.noise,
        width: 1.5,
        dash: [5, 4],
        spanGaps: true,
        points: { size: 4 },
      },
      {
        label: 'mismatched',
        stroke: colours.mismatch,
        width: 2,
        fill: 'rgba(248, 81, 73, 0.10)',
        spanGaps: true,
        points: { size: 4, fill: colours.mismatch },
      },
    ],
    data: (c) => [c.t, c.match, c.noise, c.mismatched],
    unit: (v) => `${v}%`,
    range: [0, 100],
  },
  traffic: {
    series: [
      { label: 'monolith', stroke: colours.monolith, width: 2, points: { show: false } },
      { label: 'service', stroke: colours.service, width: 2, points: { show: false } },
      { label: 'errors', stroke: colours.mismatch, width: 1.5, points: { show: false } },
    ],
    data: (c) => [c.t, c.monolith, c.service, c.errors],
    unit: (v) => `${v}/s`,
  },
};

/** @param {HTMLElement} target */
const chartSize = (target) => ({ width: Math.max(target.clientWidth, 280), height: 150 });

/**
 * A uPlot chart made once, then given each report's data.
 * @param {{ spec: ChartSpec, data: RouteCharts }} props
 */
function Chart({ spec, data }) {
  const target = useRef(/** @type {HTMLDivElement | null} */ (null));
  const plot = useRef(/** @type {uPlot | null} */ (null));
  useEffect(() => {
    const element = /** @type {HTMLDivElement} */ (target.current);
    const { range } = spec;
    plot.current = new uPlot(
      {
        ...chartSize(element),
        cursor: { drag: { x: false, y: false } },
        legend: { show: false },
        scales: {
          x: { time: true },
          y: { range: range ?? ((_u, _min, max) => [0, Math.max(1, max * 1.15)]) },
        },
        axes: axes(spec.unit),
        series: [{}, ...spec.series],
        plugins: [eventsPlugin()],
      },
      [[], ...spec.series.map(() => [])],
      element,
    );
    const resize = () => plot.current?.setSize(chartSize(element));
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
    };
  }, [spec]);
  useEffect(() => plot.current?.setData(spec.data(data)), [spec, data]);
  return html`<div class="chart" ref=${target}></div>`;
}

/** @param {string} name @param {string} label @param {string} value @param {object} [extra] */
const Stat = (name, label, value, extra = {}) =>
  html`<div class="stat" ...${extra}>
    <div class="value" data-stat=${name}>${value}</div>
    <div class="label">${label}</div>
  </div>`;

/** Starts a route's evidence afresh, e.g. after a fix shipped. @param {string} name */
async function reset(name) {
  if (!confirm(`Forget all comparisons of ${name}? Use this after a fix shipped.`)) return;
  await fetch(`/comparisons/${encodeURIComponent(name)}`, { method: 'DELETE', headers: authHeaders() });
}

/** @param {string[]} names */
const tableHead = (names) =>
  html`<thead>
    <tr>
      ${names.map((name) => html`<th>${name}</th>`)}
    </tr>
  </thead>`;

/**
 * A link to a trace, when the report names where traces are shown and the example was traced.
 * @param {string | undefined} template @param {string | undefined} traceId @param {string} side
 */
const traceLink = (template, traceId, side) =>
  template &&
  traceId &&
  html`<a
    class="trace-link"
    href=${template.replaceAll('{trace_id}', encodeURIComponent(traceId))}
    target="_blank"
    rel="noopener noreferrer"
    title=${`the ${side}'s trace of this request`}
    data-trace=${traceId}
    >trace ↗</a
  >`;

/** @param {{ route: DashboardRoute, traceUrl?: string }} props */
function Fields({ route, traceUrl }) {
  if (route.fields.length === 0) {
    return html`<p class="empty">
      ${route.comparisons.compared > 0 ? 'No field differs. ✓' : 'No comparisons yet.'}
    </p>`;
  }
  const first = route.fields.find((field) => field.examples.length > 0)?.examples[0];
  const hidden = route.fields.some((field) => field.examples.some((example) => !example.shown));
  return html`
    <table class="field-table">
      ${tableHead(['field', '', 'differs', 'noise', 'monolith', 'service'])}
      <tbody>
        ${route.fields.map((field) => {
          const example = field.examples[0];
          const [monolith, service] = !example
            ? []
            : example.leftSide === 'monolith'
              ? [example.left, example.right]
              : [example.right, example.left];
          // The side that served the client was traced with its request; the other with its shadow.
          const traceOf = (/** @type {string} */ side) =>
            example?.traces && (example.leftSide === side ? example.traces.primary : example.traces.shadow);
          const cell = (/** @type {unknown} */ value, /** @type {string} */ side) =>
            html`<td class="example">
              ${example && html`<code title=${`${example.method} ${example.url}`}>${showExample(example, value)}</code>`}
              ${traceLink(traceUrl, traceOf(side), side)}
            </td>`;
          return html`<tr key=${field.field} data-field=${field.field}>
            <td class="mono">${shortField(field.field)}</td>
            <td>
              <span class="pill ${field.verdict}">${field.verdict === 'real' ? 'differs' : 'noise'}</span>
            </td>
            <td class="num">${percent(field.rate)}</td>
            <td class="num dim">${percent(field.noiseRate)}</td>
            ${cell(monolith, 'monolith')} ${cell(service, 'service')}
          </tr>`;
        })}
      </tbody>
    </table>
    ${hidden && html`<p class="dim example-note" data-hidden-note>${hiddenNote}</p>`}
    ${
      first &&
      html`<p class="dim example-note">
        latest example: ${first.method} ${first.url} · status ${first.status.join(' vs ')}
      </p>`
    }
  `;
}

/** @param {{ route: DashboardRoute, rank: number, traceUrl?: string }} props */
function RouteCard({ route, rank, traceUrl }) {
  const target = route.service ? `→ ${route.service}` : `→ ${route.upstream ?? 'monolith'}`;
  const service = route.service ? route.percent : 0;
  const c = route.comparisons;
  const health =
    c.matchRate === undefined ? '' : c.matchRate >= 0.995 ? 'good' : c.matchRate >= 0.98 ? 'fair' : 'poor';
  const dropped =
    Object.entries(c.droppedBy)
      .map(([reason, n]) => `${reason.replace(/_/g, ' ')}: ${count.format(n)}`)
      .join('\n') || 'nothing dropped';
  const l = route.latency;
  return html`<article
    class="route panel ${rank > 0 ? 'compact' : ''} ${rank === 1 ? 'idle' : ''}"
    data-route=${route.name}
  >
    <header class="route-head">
      <div>
        <h2>${route.name}</h2>
        <div class="path">${route.path} <span class="dim">${target}</span></div>
      </div>
      <div class="head-side">
        <div class="verdict ${route.verdict.state}" data-verdict>${route.verdict.text}</div>
        <button
          class="reset"
          type="button"
          title="forget this route’s comparisons"
          onClick=${() => reset(route.name)}
        >
          reset
        </button>
      </div>
    </header>
    <div class="split">
      <div class="bar">
        <div class="fill service" style=${{ width: `${service}%` }}></div>
        <div class="fill monolith" style=${{ width: `${100 - service}%` }}></div>
      </div>
      <div class="split-label">
        ${
          route.service
            ? `service ${service}% · monolith ${100 - service}% · shadow ${route.shadow}%`
            : `${route.upstream ?? 'monolith'} 100%`
        }
      </div>
    </div>
    <div class="stats">
      ${Stat('matchRate', 'match rate', percent(c.matchRate), { class: 'stat big', 'data-health': health })}
      ${Stat('compared', 'compared', count.format(c.compared))}
      ${Stat('matched', 'matched', count.format(c.matched))}
      ${Stat('noise', 'noise only', count.format(c.noise), {
        title: `answers that differed only in noise fields; ${count.format(c.noiseProbes)} noise probes so far`,
      })}
      ${Stat('mismatched', 'mismatched', count.format(c.mismatched))}
      ${Stat('dropped', 'dropped', count.format(c.dropped), { title: dropped })}
    </div>
    <div class="columns">
      <div class="column">
        <h3>Traffic per side</h3>
        <table class="sides">
          ${tableHead(['', 'requests', 'errors', 'p50', 'p95', 'p99'])}
          <tbody>
            ${
              /** @type {const} */ (['monolith', 'service']).map((side) => {
                const t = route.traffic[side];
                return html`<tr data-side=${side}>
                  <th><span class="dot ${side}"></span>${side}</th>
                  <td data-cell="requests">${count.format(t.requests)}</td>
                  <td data-cell="errorRate">${percent(t.errorRate, 2)}</td>
                  <td data-cell="p50">${ms(t.p50)}</td>
                  <td data-cell="p95">${ms(t.p95)}</td>
                  <td data-cell="p99">${ms(t.p99)}</td>
                </tr>`;
              })
            }
          </tbody>
        </table>
        <h3>Compared pairs, latency</h3>
        <div class="pair-latency">
          ${
            l.monolith.count > 0
              ? `p50 ${ms(l.service.p50)} vs ${ms(l.monolith.p50)} · p99 ${ms(l.service.p99)} vs ${ms(l.monolith.p99)} (service vs monolith)`
              : 'no compared pairs yet'
          }
        </div>
      </div>
      <div class="column charts">
        <h3>
          Match rate
          <span class="legend">
            <i class="swatch match"></i>match <i class="swatch noise"></i>noise only
            <i class="swatch mismatch"></i>mismatched
          </span>
        </h3>
        ${rank === 0 && html`<${Chart} spec=${charts.rates} data=${route.charts} />`}
        <h3>
          Requests per second
          <span class="legend">
            <i class="swatch monolith"></i>monolith <i class="swatch service"></i>service
            <i class="swatch mismatch"></i>errors
          </span>
        </h3>
        ${rank === 0 && html`<${Chart} spec=${charts.traffic} data=${route.charts} />`}
      </div>
    </div>
    <h3>Top differing fields</h3>
    <div class="fields"><${Fields} route=${route} traceUrl=${traceUrl} /></div>
  </article>`;
}

/** @param {{ report: ComparisonsReport }} props */
function Summary({ report }) {
  const migrating = report.routes.filter((route) => route.service);
  const compared = migrating.reduce((sum, r) => sum + r.comparisons.compared, 0);
  const agreeing = migrating.reduce((sum, r) => sum + r.comparisons.matched + r.comparisons.noise, 0);
  const ready = migrating.filter((r) => r.verdict.state === 'ready' || r.verdict.state === 'done').length;
  const tiles = [
    ['routes migrating', count.format(migrating.length), 'total-routes'],
    ['ready', count.format(ready), 'total-ready'],
    ['on hold', count.format(migrating.filter((r) => r.verdict.state === 'hold').length), 'total-hold'],
    ['comparisons', count.format(compared), 'total-compared'],
    ['match rate', compared > 0 ? percent(agreeing / compared) : '–', 'total-match'],
    [
      'shadows dropped',
      count.format(migrating.reduce((sum, r) => sum + r.comparisons.dropped, 0)),
      'total-dropped',
    ],
  ];
  return html`<section class="summary">
    ${tiles.map(
      ([label, value, id]) =>
        html`<div class="panel tile">
          <div class="value" data-total=${id}>${value}</div>
          <div class="label">${label}</div>
        </div>`,
    )}
  </section>`;
}

/** @param {{ events: EdgeEvent[] }} props */
function Events({ events }) {
  const recent = events.slice(-30).reverse();
  return html`<section class="panel events-panel">
    <h2>Rule reloads and breaker events</h2>
    <ol class="events" id="events">
      ${
        recent.length === 0
          ? html`<li class="dim">No reloads or breaker events yet.</li>`
          : recent.map(
              (event) =>
                html`<li>
                  <span class="when">${time(event.at)}</span
                  ><span class="kind ${event.kind}">${event.kind}</span>
                  ${event.subject && html`<span class="mono">${event.subject}</span>`}<span
                    >${event.message}</span
                  >
                </li>`,
            )
      }
    </ol>
  </section>`;
}

/** @param {DashboardRoute} route Migrating routes with evidence first, then those still waiting for it, then the rest. */
const rank = (route) =>
  !route.service
    ? 2
    : route.comparisons.compared === 0 &&
        route.traffic.monolith.requests + route.traffic.service.requests === 0
      ? 1
      : 0;

/** @param {{ report?: ComparisonsReport, ramps?: RampsReport, problem?: string }} props */
function Dashboard({ report, ramps, problem }) {
  const meta = problem
    ? `cannot reach the gateway admin API (${problem}); retrying…`
    : report
      ? `rules ${report.rulesVersion} · ${report.store} store · shadows in flight ${report.shadow.inFlight}, queued ${report.shadow.queued} · updated ${time(report.generatedAt)}`
      : 'loading…';
  const routes = report ? [...report.routes].sort((a, b) => rank(a) - rank(b)) : [];
  return html`
    <header class="top">
      <div class="brand"><span class="leaf">◆</span> Fig <span class="dim">migration</span></div>
      <div class="meta">${meta}</div>
    </header>
    <main>
      ${report && html`<${Summary} report=${report} />`}
      <${Ramps} report=${ramps} />
      <section>
        ${routes.map(
          (route) =>
            html`<${RouteCard}
              key=${route.name}
              route=${route}
              rank=${rank(route)}
              traceUrl=${report?.traceUrl}
            />`,
        )}
      </section>
      <${Events} events=${report?.events ?? []} />
    </main>
  `;
}

// With ADMIN_TOKEN set, open the page as /dashboard#token=<token>: a fragment never leaves the
// browser (no logs, no Referer); the token is kept for this tab only and sent with each fetch.
const tokenKey = 'fig-admin-token';
function adminToken() {
  const given = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (given) {
    sessionStorage.setItem(tokenKey, decodeURIComponent(given[1]));
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(tokenKey);
}
const token = adminToken();
/** @returns {Record<string, string>} */
const authHeaders = () => (token ? { authorization: `Bearer ${token}` } : {});

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
/** @type {ComparisonsReport | undefined} */
let latest;
/** @type {RampsReport | undefined} */
let latestRamps;

/** @param {string} path */
async function fetchReport(path) {
  const response = await fetch(path, { cache: 'no-store', headers: authHeaders() });
  if (response.status === 401)
    throw new Error('the admin port needs its token: open /dashboard#token=<ADMIN_TOKEN>');
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  try {
    const [comparisons, ramps] = await Promise.all([fetchReport('/comparisons'), fetchReport('/ramps')]);
    latest = /** @type {ComparisonsReport} */ (comparisons);
    latestRamps = /** @type {RampsReport} */ (ramps);
    latestEvents = latest.events;
    render(html`<${Dashboard} report=${latest} ramps=${latestRamps} />`, root);
    document.body.classList.remove('stale');
    document.body.dataset.updated = String(latest.generatedAt);
  } catch (error) {
    document.body.classList.add('stale');
    render(
      html`<${Dashboard}
        report=${latest}
        ramps=${latestRamps}
        problem=${/** @type {Error} */ (error).message}
      />`,
      root,
    );
  } finally {
    setTimeout(refresh, pollMs);
  }
}

refresh();
