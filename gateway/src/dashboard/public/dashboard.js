// The migration dashboard: polls the admin `/comparisons` report and redraws in place.
/* global uPlot */

const pollMs = 2000;
const windowMs = 30 * 60_000;
const count = new Intl.NumberFormat('en-US');
const colours = {
  monolith: '#d29922',
  service: '#58a6ff',
  match: '#3fb950',
  noise: '#8b949e',
  mismatch: '#f85149',
  grid: 'rgba(240, 246, 252, 0.06)',
  axis: '#8b949e',
  events: {
    reload: '#a371f7',
    'reload-rejected': '#f85149',
    'breaker-open': '#f85149',
    'breaker-half-open': '#d29922',
    'breaker-closed': '#3fb950',
  },
};

const charts = new Map();
let latestEvents = [];

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const percent = (rate, digits = 1) =>
  rate === undefined || rate === null ? '–' : `${(rate * 100).toFixed(digits)}%`;
const ms = (value) =>
  value === undefined || value === null
    ? '–'
    : value < 10
      ? `${value.toFixed(1)} ms`
      : `${Math.round(value)} ms`;
const time = (at) =>
  new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortField = (field) =>
  field === 'status'
    ? 'HTTP status'
    : field.startsWith('headers.')
      ? `header ${field.slice(8)}`
      : field === 'body'
        ? 'body (not JSON)'
        : field.replace(/^body\./, '');
const show = (value) => (value === undefined ? '(absent)' : JSON.stringify(value, null, 1));

/** A hidden value as kept: `string(24) #1a2b3c4d` (equal hashes mean equal values). */
const summary = (value) =>
  value.type === 'absent'
    ? '(absent)'
    : `${value.type}${value.length === undefined ? '' : `(${value.length})`}${value.hash ? ` #${value.hash}` : ''}`;

const showExample = (example, value) => (example.shown === false ? summary(value) : show(value));

const hiddenNote =
  'Values are hidden: each side shows its type, length and a keyed hash (equal hashes, equal values). ' +
  'To see a field’s values, list it in the route’s compare.showValues in routes.yaml.';

function setText(root, selector, text) {
  const node = root.querySelector(selector);
  if (node && node.textContent !== text) node.textContent = text;
}

/** Draws the edge events as vertical lines, so a drop in match rate lines up with its cause. */
function eventsPlugin() {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          const [min, max] = [u.scales.x.min, u.scales.x.max];
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
  };
}

function axes(yValues) {
  const axis = {
    stroke: colours.axis,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid },
  };
  // Plain clock ticks (with seconds when the window is short): uPlot's default time labels
  // add a date line that overlaps the first tick.
  const clock = (u, splits) => {
    const short = u.scales.x.max - u.scales.x.min < 600;
    const format = {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      ...(short ? { second: '2-digit' } : {}),
    };
    return splits.map((t) => new Date(t * 1000).toLocaleTimeString([], format));
  };
  return [
    { ...axis, space: 70, values: clock },
    { ...axis, size: 52, values: yValues },
  ];
}

function makeChart(target, series, yValues, range) {
  const options = {
    width: Math.max(target.clientWidth, 280),
    height: 150,
    cursor: { drag: { x: false, y: false } },
    legend: { show: false },
    scales: {
      x: { time: true },
      y: range ? { range } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
    },
    axes: axes(yValues),
    series: [{}, ...series],
    plugins: [eventsPlugin()],
  };
  const empty = [[], ...series.map(() => [])];
  return new uPlot(options, empty, target);
}

/** Per bucket: match and noise share of comparisons, requests per second per side. */
function timelineSeries(route, bucketMs, now) {
  const byStart = new Map(route.timeline.map((bucket) => [bucket.t, bucket.counts]));
  // From the first bucket with data (at least a dozen buckets back), so a young route fills the chart.
  const oldest = Math.min(now - 12 * bucketMs, ...route.timeline.map((bucket) => bucket.t));
  const first = Math.max(now - windowMs, oldest);
  const xs = [];
  const match = [];
  const noise = [];
  const mismatched = [];
  const monolith = [];
  const service = [];
  const errors = [];
  for (let t = first - (first % bucketMs); t <= now; t += bucketMs) {
    const c = byStart.get(t) ?? {};
    const compared = c.compared ?? 0;
    const seconds = bucketMs / 1000;
    xs.push(t / 1000);
    match.push(compared > 0 ? (((c.matched ?? 0) + (c.noise ?? 0)) / compared) * 100 : null);
    noise.push(compared > 0 ? ((c.noise ?? 0) / compared) * 100 : null);
    mismatched.push(compared > 0 ? ((c.mismatched ?? 0) / compared) * 100 : null);
    monolith.push((c['requests|monolith'] ?? 0) / seconds);
    service.push((c['requests|service'] ?? 0) / seconds);
    errors.push(((c['errors|monolith'] ?? 0) + (c['errors|service'] ?? 0)) / seconds);
  }
  return { rates: [xs, match, noise, mismatched], traffic: [xs, monolith, service, errors] };
}

function stat(name, label, extraClass = '') {
  return el(
    'div',
    { class: `stat ${extraClass}` },
    el('div', { class: 'value', 'data-stat': name }, '–'),
    el('div', { class: 'label' }, label),
  );
}

function sideRow(side) {
  return el(
    'tr',
    { 'data-side': side },
    el('th', {}, el('span', { class: `dot ${side}` }), side),
    ...['requests', 'errorRate', 'p50', 'p95', 'p99'].map((name) => el('td', { 'data-cell': name }, '–')),
  );
}

/** Starts a route's evidence afresh, e.g. after a fix shipped. */
function resetButton(name) {
  const button = el(
    'button',
    { class: 'reset', type: 'button', title: 'forget this route’s comparisons' },
    'reset',
  );
  button.addEventListener('click', async () => {
    if (!confirm(`Forget all comparisons of ${name}? Use this after a fix shipped.`)) return;
    await fetch(`/comparisons/${encodeURIComponent(name)}`, { method: 'DELETE', headers: authHeaders() });
  });
  return button;
}

function buildCard(route) {
  const card = el('article', { class: 'route panel', 'data-route': route.name });
  const target = route.service ? `→ ${route.service}` : route.upstream ? `→ ${route.upstream}` : '→ monolith';
  card.append(
    el(
      'header',
      { class: 'route-head' },
      el(
        'div',
        {},
        el('h2', {}, route.name),
        el('div', { class: 'path' }, `${route.path} `, el('span', { class: 'dim' }, target)),
      ),
      el(
        'div',
        { class: 'head-side' },
        el('div', { class: 'verdict', 'data-verdict': '' }, '–'),
        resetButton(route.name),
      ),
    ),
    el(
      'div',
      { class: 'split' },
      el(
        'div',
        { class: 'bar' },
        el('div', { class: 'fill service' }),
        el('div', { class: 'fill monolith' }),
      ),
      el('div', { class: 'split-label', 'data-split': '' }, '–'),
    ),
    el(
      'div',
      { class: 'stats' },
      stat('matchRate', 'match rate', 'big'),
      stat('compared', 'compared'),
      stat('matched', 'matched'),
      stat('noise', 'noise only'),
      stat('mismatched', 'mismatched'),
      stat('dropped', 'dropped'),
    ),
    el(
      'div',
      { class: 'columns' },
      el(
        'div',
        { class: 'column' },
        el('h3', {}, 'Traffic per side'),
        el(
          'table',
          { class: 'sides' },
          el(
            'thead',
            {},
            el('tr', {}, ...['', 'requests', 'errors', 'p50', 'p95', 'p99'].map((h) => el('th', {}, h))),
          ),
          el('tbody', {}, sideRow('monolith'), sideRow('service')),
        ),
        el('h3', {}, 'Compared pairs, latency'),
        el('div', { class: 'pair-latency', 'data-pair-latency': '' }, '–'),
      ),
      el(
        'div',
        { class: 'column charts' },
        el(
          'h3',
          {},
          'Match rate ',
          el(
            'span',
            { class: 'legend' },
            el('i', { class: 'swatch match' }),
            'match ',
            el('i', { class: 'swatch noise' }),
            'noise only ',
            el('i', { class: 'swatch mismatch' }),
            'mismatched',
          ),
        ),
        el('div', { class: 'chart', 'data-chart': 'rates' }),
        el(
          'h3',
          {},
          'Requests per second ',
          el(
            'span',
            { class: 'legend' },
            el('i', { class: 'swatch monolith' }),
            'monolith ',
            el('i', { class: 'swatch service' }),
            'service ',
            el('i', { class: 'swatch mismatch' }),
            'errors',
          ),
        ),
        el('div', { class: 'chart', 'data-chart': 'traffic' }),
      ),
    ),
    el('h3', {}, 'Top differing fields'),
    el('div', { class: 'fields', 'data-fields': '' }),
  );
  return card;
}

function ensureCharts(card, route) {
  let entry = charts.get(route.name);
  if (entry) return entry;
  const rates = makeChart(
    card.querySelector('[data-chart=rates]'),
    [
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
    (_u, values) => values.map((v) => `${v}%`),
    [0, 100],
  );
  const traffic = makeChart(
    card.querySelector('[data-chart=traffic]'),
    [
      { label: 'monolith', stroke: colours.monolith, width: 2, points: { show: false } },
      { label: 'service', stroke: colours.service, width: 2, points: { show: false } },
      { label: 'errors', stroke: colours.mismatch, width: 1.5, points: { show: false } },
    ],
    (_u, values) => values.map((v) => `${v}/s`),
  );
  entry = { rates, traffic };
  charts.set(route.name, entry);
  return entry;
}

function renderFields(container, route) {
  container.replaceChildren();
  if (route.fields.length === 0) {
    container.append(
      el(
        'p',
        { class: 'empty' },
        route.comparisons.compared > 0 ? 'No field differs. ✓' : 'No comparisons yet.',
      ),
    );
    return;
  }
  const table = el(
    'table',
    { class: 'field-table' },
    el(
      'thead',
      {},
      el('tr', {}, ...['field', '', 'differs', 'noise', 'monolith', 'service'].map((h) => el('th', {}, h))),
    ),
  );
  const body = el('tbody');
  for (const field of route.fields) {
    const example = field.examples[0];
    const [monolith, service] = example
      ? example.leftSide === 'monolith'
        ? [example.left, example.right]
        : [example.right, example.left]
      : [undefined, undefined];
    body.append(
      el(
        'tr',
        { 'data-field': field.field },
        el('td', { class: 'mono' }, shortField(field.field)),
        el(
          'td',
          {},
          el('span', { class: `pill ${field.verdict}` }, field.verdict === 'real' ? 'differs' : 'noise'),
        ),
        el('td', { class: 'num', 'data-rate': '' }, percent(field.rate)),
        el('td', { class: 'num dim' }, percent(field.noiseRate)),
        el(
          'td',
          { class: 'example' },
          example
            ? el('code', { title: `${example.method} ${example.url}` }, showExample(example, monolith))
            : '',
        ),
        el(
          'td',
          { class: 'example' },
          example
            ? el('code', { title: `${example.method} ${example.url}` }, showExample(example, service))
            : '',
        ),
      ),
    );
  }
  table.append(body);
  const first = route.fields.find((field) => field.examples.length > 0)?.examples[0];
  container.append(table);
  if (route.fields.some((field) => field.examples.some((example) => example.shown === false)))
    container.append(el('p', { class: 'dim example-note', 'data-hidden-note': '' }, hiddenNote));
  if (first)
    container.append(
      el(
        'p',
        { class: 'dim example-note' },
        `latest example: ${first.method} ${first.url} · status ${first.status.join(' vs ')}`,
      ),
    );
}

function updateCard(card, route, report) {
  const verdict = card.querySelector('[data-verdict]');
  verdict.className = `verdict ${route.verdict.state}`;
  setText(card, '[data-verdict]', route.verdict.text);
  const service = route.service ? route.percent : 0;
  card.querySelector('.fill.service').style.width = `${service}%`;
  card.querySelector('.fill.monolith').style.width = `${100 - service}%`;
  setText(
    card,
    '[data-split]',
    route.service
      ? `service ${service}% · monolith ${100 - service}% · shadow ${route.shadow}%`
      : `${route.upstream ?? 'monolith'} 100%`,
  );
  const c = route.comparisons;
  setText(card, '[data-stat=matchRate]', percent(c.matchRate));
  const health =
    c.matchRate === undefined ? '' : c.matchRate >= 0.995 ? 'good' : c.matchRate >= 0.98 ? 'fair' : 'poor';
  card.querySelector('.stat.big').dataset.health = health;
  for (const name of ['compared', 'matched', 'noise', 'mismatched', 'dropped']) {
    setText(card, `[data-stat=${name}]`, count.format(c[name]));
  }
  const reasons = Object.entries(c.droppedBy).map(
    ([reason, n]) => `${reason.replace(/_/g, ' ')}: ${count.format(n)}`,
  );
  card.querySelector('[data-stat=dropped]').parentElement.title = reasons.join('\n') || 'nothing dropped';
  card.querySelector('[data-stat=noise]').parentElement.title =
    `answers that differed only in noise fields; ${count.format(c.noiseProbes)} noise probes so far`;
  for (const side of ['monolith', 'service']) {
    const t = route.traffic[side];
    const row = card.querySelector(`tr[data-side=${side}]`);
    setText(row, '[data-cell=requests]', count.format(t.requests));
    setText(row, '[data-cell=errorRate]', percent(t.errorRate, 2));
    for (const p of ['p50', 'p95', 'p99']) setText(row, `[data-cell=${p}]`, ms(t[p]));
  }
  const l = route.latency;
  setText(
    card,
    '[data-pair-latency]',
    l.monolith.count > 0
      ? `p50 ${ms(l.service.p50)} vs ${ms(l.monolith.p50)} · p99 ${ms(l.service.p99)} vs ${ms(l.monolith.p99)} (service vs monolith)`
      : 'no compared pairs yet',
  );
  const signature = JSON.stringify(route.fields.map((f) => [f.field, f.verdict, f.rate, f.examples[0]?.at]));
  const fields = card.querySelector('[data-fields]');
  if (fields.dataset.signature !== signature) {
    fields.dataset.signature = signature;
    renderFields(fields, route);
  }
  if (!card.classList.contains('compact')) {
    const { rates, traffic } = ensureCharts(card, route);
    const series = timelineSeries(route, report.bucketMs, report.generatedAt);
    rates.setData(series.rates);
    traffic.setData(series.traffic);
  }
}

function renderSummary(report) {
  const migrating = report.routes.filter((route) => route.service);
  const compared = migrating.reduce((sum, r) => sum + r.comparisons.compared, 0);
  const agreeing = migrating.reduce((sum, r) => sum + r.comparisons.matched + r.comparisons.noise, 0);
  const dropped = migrating.reduce((sum, r) => sum + r.comparisons.dropped, 0);
  const ready = migrating.filter((r) => r.verdict.state === 'ready' || r.verdict.state === 'done').length;
  const held = migrating.filter((r) => r.verdict.state === 'hold').length;
  const summary = document.getElementById('summary');
  summary.replaceChildren(
    ...[
      ['routes migrating', count.format(migrating.length), 'total-routes'],
      ['ready', count.format(ready), 'total-ready'],
      ['on hold', count.format(held), 'total-hold'],
      ['comparisons', count.format(compared), 'total-compared'],
      ['match rate', compared > 0 ? percent(agreeing / compared) : '–', 'total-match'],
      ['shadows dropped', count.format(dropped), 'total-dropped'],
    ].map(([label, value, id]) =>
      el(
        'div',
        { class: 'panel tile' },
        el('div', { class: 'value', 'data-total': id }, value),
        el('div', { class: 'label' }, label),
      ),
    ),
  );
}

function renderEvents(report) {
  const list = document.getElementById('events');
  const events = report.events.slice(-30).reverse();
  list.replaceChildren(
    ...(events.length === 0
      ? [el('li', { class: 'dim' }, 'No reloads or breaker events yet.')]
      : events.map((event) =>
          el(
            'li',
            {},
            el('span', { class: 'when' }, time(event.at)),
            el('span', { class: `kind ${event.kind}` }, event.kind),
            event.subject ? el('span', { class: 'mono' }, event.subject) : '',
            el('span', {}, event.message),
          ),
        )),
  );
}

function render(report) {
  latestEvents = report.events;
  setText(
    document,
    '#meta',
    `rules ${report.rulesVersion} · ${report.store} store · shadows in flight ${report.shadow.inFlight}, queued ${report.shadow.queued} · updated ${time(report.generatedAt)}`,
  );
  renderSummary(report);
  const container = document.getElementById('routes');
  // Migrating routes with evidence first, then those still waiting for it, then the rest.
  const idle = (route) =>
    route.comparisons.compared === 0 &&
    route.traffic.monolith.requests + route.traffic.service.requests === 0;
  const rank = (route) => (!route.service ? 2 : idle(route) ? 1 : 0);
  const ordered = [...report.routes].sort((a, b) => rank(a) - rank(b));
  const seen = new Set();
  ordered.forEach((route, index) => {
    seen.add(route.name);
    let card = container.querySelector(`[data-route="${CSS.escape(route.name)}"]`);
    if (!card) card = buildCard(route);
    if (container.children[index] !== card) container.insertBefore(card, container.children[index] ?? null);
    card.classList.toggle('compact', rank(route) > 0);
    card.classList.toggle('idle', rank(route) === 1);
    updateCard(card, route, report);
  });
  for (const card of [...container.children]) {
    if (!seen.has(card.dataset.route)) {
      charts.get(card.dataset.route)?.rates.destroy();
      charts.get(card.dataset.route)?.traffic.destroy();
      charts.delete(card.dataset.route);
      card.remove();
    }
  }
  renderEvents(report);
  document.body.dataset.updated = String(report.generatedAt);
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
const authHeaders = () => (token ? { authorization: `Bearer ${token}` } : {});

async function refresh() {
  try {
    const response = await fetch('/comparisons', { cache: 'no-store', headers: authHeaders() });
    if (response.status === 401)
      throw new Error('the admin port needs its token: open /dashboard#token=<ADMIN_TOKEN>');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    document.body.classList.remove('stale');
  } catch (error) {
    document.body.classList.add('stale');
    document.getElementById('meta').textContent =
      `cannot reach the gateway admin API (${error.message}); retrying…`;
  } finally {
    setTimeout(refresh, pollMs);
  }
}

window.addEventListener('resize', () => {
  for (const [name, entry] of charts) {
    const card = document.querySelector(`[data-route="${CSS.escape(name)}"]`);
    for (const key of ['rates', 'traffic']) {
      const target = card?.querySelector(`[data-chart=${key}]`);
      if (target) entry[key].setSize({ width: Math.max(target.clientWidth, 280), height: 150 });
    }
  }
});

refresh();
