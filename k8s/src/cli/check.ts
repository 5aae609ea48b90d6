// npm run k8s:check: renders and checks every overlay; exits non-zero on any problem.
import { relative } from 'node:path';
import { stack } from '../../../scripts/stack.ts';
import { stackEnv } from '../deployable-env.ts';
import { syncProblems } from '../cluster-files.ts';
import { checkOverlay, overlayDirs } from '../k8s-check.ts';
import { paths } from '../paths.ts';

let failed = false;
const report = (title: string, problems: string[]) => {
  console.log(`${problems.length === 0 ? '✔' : '✖'} ${title}`);
  for (const problem of problems) console.log(`    ${problem}`);
  failed ||= problems.length > 0;
};

report('generated files are in sync', syncProblems());
const env = await stackEnv(stack);
report('deployables report their env', [...env.errors.values()]);
for (const dir of overlayDirs()) {
  const result = await checkOverlay(dir, { env: env.env });
  report(`${relative(paths.root, dir)}: ${result.objects} objects`, result.problems);
  for (const note of result.notes) console.log(`    note: ${note}`);
}
process.exit(failed ? 1 : 0);
