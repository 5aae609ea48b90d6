// docker-compose.yml against the Compose Specification's JSON schema and dclint's rules,
// minus the ones about ordering: the file lists services in start-up order on purpose, and
// builds each image under an explicit name so Kubernetes manifests can refer to it.
import { DCLinter } from 'dclint';

const rules = {
  'no-build-and-image': 0,
  'services-alphabetical-order': 0,
  'service-keys-order': 0,
  'service-dependencies-alphabetical-order': 0,
  'service-ports-alphabetical-order': 0,
  'top-level-properties-order': 0,
} as const;

// dclint's bundled declarations do not resolve under NodeNext; this is the part used here.
interface LintResult {
  messages: { rule: string; line: number; message: string }[];
}

export function composeLintProblems(path: string): string[] {
  const linter = new DCLinter({ rules, quiet: true, debug: false, exclude: [] });
  return (linter.lintFiles([path], false) as LintResult[])
    .flatMap((result) => result.messages)
    .map((message) => `${message.rule} (line ${message.line}): ${message.message}`);
}
