import { readFileSync, writeFileSync } from 'node:fs';
import type { SubgraphSource } from './compose.ts';
import { composeSupergraphFile } from './stack-subgraphs.ts';

/**
 * `compose` for one BFF: writes its supergraph file, or with `--check` exits non-zero when
 * the checked-in file is stale. Composition errors always fail, listed one per line.
 */
export function runCompose(
  name: string,
  path: string,
  subgraphs: readonly SubgraphSource[],
  argv = process.argv,
) {
  const result = composeSupergraphFile(subgraphs);
  if (!result.ok) {
    process.stderr.write(
      `${name}: composition failed:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  if (argv.includes('--check')) {
    const current = readFileSync(path, 'utf8');
    if (current !== result.supergraphSdl) {
      process.stderr.write(`${name}: ${path} is stale; run npm run compose\n`);
      process.exit(1);
    }
    process.stdout.write(`${name}: supergraph is up to date\n`);
    return;
  }
  writeFileSync(path, result.supergraphSdl);
  process.stdout.write(`${name}: wrote ${path} (${subgraphs.map((s) => s.name).join(', ')})\n`);
}
