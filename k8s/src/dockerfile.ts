// What the checks need to know about the shared Dockerfile: the env its runtime stage sets
// and the package manifests it copies for `npm ci`.
import { readFileSync } from 'node:fs';
import type { Deployable } from '../../scripts/stack.ts';
import { paths } from './paths.ts';

/** The build args that make the shared Dockerfile build `deployable`'s image. */
export function buildArgsFor(deployable: Deployable): Record<string, string> {
  const args: Record<string, string> = { WORKSPACE: deployable.dir, PORT: String(deployable.port) };
  // The gateway answers /health/ready on its admin port, which the HEALTHCHECK must ask.
  if (deployable.readyPort !== deployable.port) args.ADMIN_PORT = String(deployable.readyPort);
  return args;
}

export interface DockerfileFacts {
  /** Variables the final stage sets with ENV, and their values (build-arg dependent ones with `args`). */
  runtimeEnv: Record<string, string>;
  /** Paths of package.json files copied into the image. */
  copiedManifests: string[];
  /** Build args the file declares. */
  args: string[];
}

/** `${NAME}` and `${NAME:-default}` in a value, from `args` (build args, or compose's env). */
export function interpolate(value: string, args: Record<string, string | number> = {}): string {
  return value.replace(
    /\$\{(\w+)(?::?-((?:[^{}]|\$\{[^}]*\})*))?\}/g,
    (_match, name: string, fallback?: string) =>
      name in args && args[name] !== '' ? String(args[name]) : interpolate(fallback ?? '', args),
  );
}

export function readDockerfile(
  path = paths.dockerfile,
  buildArgs: Record<string, string | number> = {},
): DockerfileFacts {
  // Continuation lines join into one instruction; comments go.
  const instructions = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.findLastIndex((line) => /^FROM\s/i.test(line));
  const runtimeEnv = Object.fromEntries(
    instructions
      .slice(lastFrom)
      .filter((line) => /^ENV\s/i.test(line))
      .flatMap((line) =>
        [...line.slice(4).matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], interpolate(m[2], buildArgs)]),
      ),
  );
  const copiedManifests = instructions
    .filter((line) => /^COPY\s/i.test(line))
    .flatMap((line) => line.split(/\s+/).slice(1, -1))
    .filter((source) => source.endsWith('package.json'));
  const args = [
    ...new Set(instructions.filter((l) => /^ARG\s/i.test(l)).map((l) => l.split(/\s+/)[1].split('=')[0])),
  ];
  return { runtimeEnv, copiedManifests, args };
}
