import { type Document, isMap, isNode, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A JSON pointer's segments, e.g. `/routes/0/percent` -> ['routes', '0', 'percent']. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function pointer(segments: (string | number)[]): string {
  return segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * Line and column (1-based) of the deepest node the pointer reaches. With `atKey`, the last
 * segment's key is located instead of its value (for "unknown field" style problems).
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: string,
  atKey = false,
): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node as Node).range?.[0] : undefined;
  for (const segment of pointerSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
      );
      if (!pair) break;
      if (atKey && isScalar(pair.key) && pair.key.range) {
        offset = pair.key.range[0];
      }
      node = pair.value;
      if (!atKey && isNode(node) && (node as Node).range) offset = (node as Node).range![0];
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!isNode(item)) break;
      node = item;
      if ((item as Node).range) offset = (item as Node).range![0];
    } else break;
  }
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
