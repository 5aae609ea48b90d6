// npm run k8s:sync: regenerates the files in k8s/ that derive from the rest of the repo.
import { readFileSync, writeFileSync } from 'node:fs';
import { clusterFiles } from '../cluster-files.ts';

for (const { source, target, generate } of clusterFiles()) {
  writeFileSync(target, generate(readFileSync(source, 'utf8')));
  console.log(`wrote ${target}`);
}
