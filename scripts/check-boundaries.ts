// Module boundaries. A deployable may import its own files, the shared packages and npm
// dependencies — never another deployable. The shared packages are layered:
//   routing-rules        the innermost leaf: no @fig imports, so the gateway and the BFFs
//                        decide alike from the same pure code;
//   platform             what every deployable needs; may build on routing-rules, nothing else;
//   domain, federation   build on platform and routing-rules, never on each other;
//   testing              test helpers; may build on any shared package.
// Production code (src/) never imports @fig/testing; unit tests (<package>/test/) may. The
// end-to-end suites (test/) may import any @fig package and any file of the repository.
// Every @fig import is also declared in the importer's package.json (`dependencies` for
// production code, or `devDependencies` for tests), so the manifest says what a package needs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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
/** Each shared package's directory and the @fig packages its production code may import. */
const sharedPackages: Record<string, string[]> = {
  'routing-rules': [],
  platform: ['@fig/routing-rules'],
  domain: ['@fig/routing-rules', '@fig/platform'],
  federation: ['@fig/routing-rules', '@fig/platform'],
  testing: ['@fig/routing-rules', '@fig/platform', '@fig/domain', '@fig/federation'],
};
const endToEnd = 'test';
const testing = '@fig/testing';
const importPattern =
  /(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
const nameOf = (dir: string) => manifest(dir).name;
const sharedNames = new Set(Object.keys(sharedPackages).map(nameOf));
const deployableNames = new Set(deployables.map(nameOf));

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

/** Why `owner` may not import the @fig package `name` from a file (a test or not); undefined if it may. */
function refusal(owner: string, name: string, isTest: boolean): string | undefined {
  if (!sharedNames.has(name) && !deployableNames.has(name)) return `imports ${name}, which is no package`;
  if (owner === endToEnd) return undefined;
  if (name === testing && !isTest) return `production code imports ${testing} (a devDependency only)`;
  if (deployableNames.has(name)) return `imports deployable ${name}`;
  const allowed =
    owner in sharedPackages ? sharedPackages[owner] : [...sharedNames].filter((n) => n !== testing);
  if (!allowed.includes(name) && !(isTest && name === testing)) return `${owner} must not import ${name}`;
  return undefined;
}

const problems: string[] = [];
const owners = [...deployables, ...Object.keys(sharedPackages), endToEnd];
for (const owner of owners) {
  const { name: own, dependencies = {}, devDependencies = {} } = manifest(owner);
  for (const file of sourceFiles(join(root, owner))) {
    const where = relative(root, file);
    const isTest = owner === endToEnd || relative(join(root, owner), file).startsWith('test/');
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), specifier));
        if (owner !== endToEnd && !target.startsWith(`${owner}/`))
          problems.push(`${where}: imports ${specifier} outside ${owner}/`);
      } else if (specifier.startsWith('@fig/')) {
        const name = specifier.split('/').slice(0, 2).join('/');
        if (name === own) continue;
        const refused = refusal(owner, name, isTest);
        if (refused) problems.push(`${where}: ${refused}`);
        else if (!(name in dependencies) && !(isTest && name in devDependencies))
          problems.push(
            `${where}: imports ${name}, which ${owner}/package.json does not list in ${isTest ? 'dependencies or devDependencies' : 'dependencies'}`,
          );
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`module boundaries violated:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`module boundaries ok (${owners.length} packages)`);
