// Module boundaries: a deployable may import its own files, the shared packages
// (@fig/common, @fig/routing-rules) and npm dependencies — never another deployable.
// The shared packages are layered: routing-rules is the innermost leaf (no @fig imports, so
// the gateway and the BFFs decide alike from the same pure code); common may build on it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const deployables = [
  'gateway',
  'bff-web',
  'bff-mobile',
  'services/checkout',
  'services/payment',
  'services/inventory',
  'monolith-stub',
];
const sharedPackages = new Set(['@fig/common', '@fig/routing-rules']);
const sharedDirs = ['common', 'routing-rules'];
const importPattern = /(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems: string[] = [];
const owners = [...deployables, ...sharedDirs];
for (const owner of owners) {
  for (const file of sourceFiles(join(root, owner))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      const where = relative(root, file);
      if (specifier.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), specifier));
        if (!target.startsWith(`${owner}/`))
          problems.push(`${where}: imports ${specifier} outside ${owner}/`);
      } else if (specifier.startsWith('@fig/')) {
        const name = specifier.split('/').slice(0, 2).join('/');
        if (!sharedPackages.has(name)) problems.push(`${where}: imports deployable ${name}`);
        else if (owner === 'routing-rules') problems.push(`${where}: routing-rules must not import ${name}`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`module boundaries violated:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`module boundaries ok (${owners.length} packages)`);
