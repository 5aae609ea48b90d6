// npm run k8s:render -- <overlay dir>: prints the overlay as one YAML stream, as
// `kubectl kustomize` would (for reviewing a change; deploy with `kubectl apply -k`).
import { stringify } from 'yaml';
import { render } from '../kustomize.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run k8s:render -- <overlay dir>, e.g. k8s/overlays/dev');
  process.exit(2);
}
const { manifests, notes } = render(dir, { secretExamples: true });
for (const note of notes) console.error(`note: ${note}`);
process.stdout.write(manifests.map((m) => stringify(m)).join('---\n'));
