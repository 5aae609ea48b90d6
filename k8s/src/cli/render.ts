// npm run k8s:render -- <overlay>: prints the overlay as one YAML stream, as
// `kubectl kustomize` would (for reviewing a change; deploy with `kubectl apply -k`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { render } from '../kustomize.ts';
import { paths } from '../paths.ts';

const overlay = process.argv[2];
if (!overlay) {
  console.error('usage: npm run k8s:render -- <overlay name or directory>, e.g. dev');
  process.exit(2);
}
// npm runs workspace scripts inside k8s/; a path is meant from where the command was typed.
const named = join(paths.overlays, overlay);
const dir = existsSync(named) ? named : resolve(process.env.INIT_CWD ?? process.cwd(), overlay);
const { manifests, notes } = render(dir, { secretExamples: true });
for (const note of notes) console.error(`note: ${note}`);
process.stdout.write(manifests.map((m) => stringify(m)).join('---\n'));
