// What the checks need to know about the shared Dockerfile: the env its runtime stage sets
// and the package manifests it copies for `npm ci`.
import { readFileSync } from 'node:fs';
import { paths } from './paths.ts';

export interface DockerfileFacts {
  /** Variables the final stage sets with ENV. */
  runtimeEnv: string[];
  /** Paths of package.json files copied into the image. */
  copiedManifests: string[];
  /** Build args the file declares. */
  args: string[];
}

export function readDockerfile(path = paths.dockerfile): DockerfileFacts {
  // Continuation lines join into one instruction; comments go.
  const instructions = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.findLastIndex((line) => /^FROM\s/i.test(line));
  const runtimeEnv = instructions
    .slice(lastFrom)
    .filter((line) => /^ENV\s/i.test(line))
    .flatMap((line) => [...line.slice(4).matchAll(/(\w+)=/g)].map((m) => m[1]));
  const copiedManifests = instructions
    .filter((line) => /^COPY\s/i.test(line))
    .flatMap((line) => line.split(/\s+/).slice(1, -1))
    .filter((source) => source.endsWith('package.json'));
  const args = [
    ...new Set(instructions.filter((l) => /^ARG\s/i.test(l)).map((l) => l.split(/\s+/)[1].split('=')[0])),
  ];
  return { runtimeEnv, copiedManifests, args };
}
