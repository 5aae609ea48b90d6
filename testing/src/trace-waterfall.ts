import type { ReceivedSpan } from './otlp-receiver.ts';

const kinds = ['', '', 'server', 'client', 'producer', 'consumer'];
const width = 40;

/**
 * One trace as a small text waterfall: a line per span, indented under its parent, with its
 * service, name, kind, duration and a bar placed on the trace's timeline. Spans whose parent
 * is not among `spans` are shown as roots, marked `(orphan)`.
 */
export function renderWaterfall(spans: ReceivedSpan[]): string {
  if (spans.length === 0) return '(no spans)';
  const start = spans.reduce((min, span) => (span.startNs < min ? span.startNs : min), spans[0].startNs);
  const end = spans.reduce((max, span) => (span.endNs > max ? span.endNs : max), spans[0].endNs);
  const total = Number(end - start) || 1;
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const lines: string[] = [`trace ${spans[0].traceId}`];
  const walk = (span: ReceivedSpan, depth: number) => {
    const from = Math.floor((Number(span.startNs - start) / total) * width);
    const length = Math.max(1, Math.round((Number(span.endNs - span.startNs) / total) * width));
    const bar = ' '.repeat(from) + '█'.repeat(Math.min(length, width - from));
    const ms = (Number(span.endNs - span.startNs) / 1e6).toFixed(1);
    const orphan = depth === 0 && span.parentSpanId ? ' (orphan)' : '';
    const label = `${'  '.repeat(depth)}${span.service}: ${span.name} [${kinds[span.kind] || 'internal'}]${orphan}`;
    lines.push(`${bar.padEnd(width)} | ${ms.padStart(7)} ms | ${label}${span.status === 2 ? ' ✗' : ''}`);
    for (const child of children.get(span.spanId) ?? []) walk(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) walk(root, 0);
  return lines.join('\n');
}
