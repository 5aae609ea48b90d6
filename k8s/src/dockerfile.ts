// The shared Dockerfile, read statically (there is no Docker engine in CI): what the other
// checks need to know about it, and the rules every image must follow.
import { readFileSync } from 'node:fs';
import type { Deployable } from '../../scripts/stack.ts';
import { paths } from './paths.ts';

/** The build args that make the shared Dockerfile build `deployable`'s image. */
export function buildArgsFor(deployable: Deployable): Record<string, string> {
  const args: Record<string, string> = { WORKSPACE: deployable.dir, PORT: String(deployable.port) };
  // Health answers on the internal port (the gateway's admin port), which the HEALTHCHECK must ask.
  args[deployable.internalPortVariable] = String(deployable.internalPort);
  return args;
}

export interface DockerfileFacts {
  /** Variables the final stage sets with ENV, and their values (build-arg dependent ones with `args`). */
  runtimeEnv: Record<string, string>;
  /** Paths of package.json files copied into the image. */
  copiedManifests: string[];
  /** Build args the file declares, with their defaults. */
  args: Record<string, string>;
  /** Instructions (continuations joined, comments dropped) of every stage, and of the last. */
  instructions: string[];
  runtime: string[];
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
  const args = Object.fromEntries(
    instructions
      .filter((line) => /^ARG\s/i.test(line))
      .map((line) => line.split(/\s+/)[1].split('='))
      .map(([name, value]) => [name, value ?? '']),
  );
  return { runtimeEnv, copiedManifests, args, instructions, runtime: instructions.slice(lastFrom) };
}

const instruction = (lines: string[], name: string) =>
  lines
    .filter((line) => line.toUpperCase().startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());

/** The HEALTHCHECK's exec-form command, e.g. ["node", "-e", "..."]. */
export function healthcheckCommand(path = paths.dockerfile): string[] | undefined {
  const healthcheck = instruction(readDockerfile(path).runtime, 'HEALTHCHECK').at(-1);
  const command = healthcheck && /\bCMD\s+(\[.*\])\s*$/.exec(healthcheck)?.[1];
  return command ? (JSON.parse(command) as string[]) : undefined;
}

/** Everything wrong with the Dockerfile, as readable lines; empty when it is sound. */
export function dockerfileProblems(path = paths.dockerfile): string[] {
  const facts = readDockerfile(path);
  const problems: string[] = [];
  const { workspaces } = JSON.parse(readFileSync(paths.rootPackage, 'utf8')) as { workspaces: string[] };
  const copied = new Set(facts.copiedManifests);
  for (const workspace of workspaces) {
    if (!copied.has(`${workspace}/package.json`)) {
      problems.push(`Dockerfile: does not copy ${workspace}/package.json, so npm ci fails on the lock file`);
    }
  }
  if (
    !copied.has('package.json') ||
    !facts.instructions.some((l) => /^COPY\s.*package-lock\.json/i.test(l))
  ) {
    problems.push('Dockerfile: does not copy package.json and package-lock.json');
  }
  if (!facts.instructions.some((l) => /^RUN\s.*\bnpm ci\b.*--omit=dev/i.test(l))) {
    problems.push(
      'Dockerfile: does not install with npm ci --omit=dev (production dependencies from the lock file)',
    );
  }
  const defaults = Object.fromEntries(Object.entries(facts.args).filter(([, value]) => value !== ''));
  for (const image of instruction(facts.instructions, 'FROM').map((from) =>
    interpolate(from.split(/\s+/)[0], defaults),
  )) {
    const tag = /:([^:/]+)$/.exec(image)?.[1];
    if (!image.includes('@sha256:') && (!tag || tag === 'latest'))
      problems.push(`Dockerfile: FROM ${image} is not pinned to a tag`);
  }
  const user = instruction(facts.runtime, 'USER').at(-1);
  if (!user || !/^[1-9]\d*(:\d+)?$/.test(user)) {
    problems.push(`Dockerfile: the image must run as a numeric non-root USER (has ${user ?? 'none'})`);
  }
  if (facts.runtimeEnv.NODE_ENV !== 'production') problems.push('Dockerfile: NODE_ENV is not production');
  const entrypoint =
    instruction(facts.runtime, 'ENTRYPOINT').at(-1) ?? instruction(facts.runtime, 'CMD').at(-1);
  if (!entrypoint?.startsWith('[')) {
    problems.push('Dockerfile: ENTRYPOINT is not in exec form, so a shell would swallow SIGTERM');
  } else if (!(JSON.parse(entrypoint) as string[])[0]?.endsWith('node')) {
    problems.push('Dockerfile: ENTRYPOINT does not run node directly');
  }
  const healthcheck = instruction(facts.runtime, 'HEALTHCHECK').at(-1);
  if (!healthcheck || /^NONE\b/i.test(healthcheck)) problems.push('Dockerfile: no HEALTHCHECK');
  return [...new Set(problems)];
}
