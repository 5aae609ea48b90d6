import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/errors.ts';

/** The README's "Error catalogue" table as code → status (a row may list several of each). */
function documented(): Map<string, number> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Error catalogue$/m)[1]!.split(/^## /m)[0]!;
  const codes = new Map<string, number>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const names = [...cells[1]!.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]!);
    const statuses = cells[2]!.split(',').map((status) => Number(status.trim()));
    expect(statuses, line).toHaveLength(names.length);
    names.forEach((name, i) => {
      expect(codes.has(name), `${name} documented twice`).toBe(false);
      codes.set(name, statuses[i]!);
    });
  }
  return codes;
}

describe('the error catalogue', () => {
  it('is exactly the table in the README, codes and statuses', () => {
    const table = documented();
    expect(table.size).toBeGreaterThan(20);
    expect(Object.fromEntries([...catalogue].sort())).toEqual(Object.fromEntries([...table].sort()));
  });
});
