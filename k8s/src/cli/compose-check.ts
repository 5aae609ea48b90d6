// npm run compose:check: docker-compose.yml and the Dockerfile against the code and docs/architecture.md.
import { stack } from '../../../scripts/stack.ts';
import { composeProblems, readCompose } from '../compose-check.ts';
import { composeLintProblems } from '../compose-lint.ts';
import { dockerfileProblems } from '../dockerfile.ts';
import { paths } from '../paths.ts';
import { stackEnv } from '../deployable-env.ts';

const { env, errors } = await stackEnv(stack);
const problems = [
  ...errors.values(),
  ...dockerfileProblems(),
  ...composeLintProblems(paths.compose),
  ...composeProblems(readCompose(), { env }),
];
console.log(`${problems.length === 0 ? '✔' : '✖'} docker-compose.yml and Dockerfile`);
for (const problem of problems) console.log(`    ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
