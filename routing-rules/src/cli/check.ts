// `npm run rules:check [file] [--against <active file>]`: validate a rules file the way the
// gateway does, then say what it does — and what it changes compared with the active file.
import { parseArgs } from 'node:util';
import { describeChanges, summarise } from '../describe.ts';
import { formatProblem, loadRulesFile } from '../parse.ts';
import { defaultRulesPath } from '../paths.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { against: { type: 'string' } },
});
const file = positionals[0] ?? defaultRulesPath;

const result = loadRulesFile(file);
if (!result.ok) {
  for (const problem of result.problems) console.error(formatProblem(problem));
  console.error(`${file}: ${result.problems.length} problem(s); the gateway would keep its current rules`);
  process.exit(1);
}
console.log(`${file}: valid`);
for (const line of summarise(result.rules)) console.log(`  ${line}`);

if (values.against) {
  const active = loadRulesFile(values.against);
  if (!active.ok) {
    for (const problem of active.problems) console.error(formatProblem(problem));
    console.error(`${values.against}: the active file is itself invalid`);
    process.exit(1);
  }
  const changes = describeChanges(active.rules, result.rules);
  console.log(changes.length ? `changes against ${values.against}:` : `no changes against ${values.against}`);
  for (const line of changes) console.log(`  ${line}`);
}
