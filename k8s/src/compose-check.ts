// `npm run compose:check`: docker-compose.yml against the code and DESIGN.md (through
// scripts/stack.ts): every deployable is there, built from the shared Dockerfile at its
// port, published on that port, given only env vars it reads, mounting paths that exist,
// and started only after what it depends on is healthy.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { stack } from '../../scripts/stack.ts';
import type { DeployableEnv } from './deployable-env.ts';
import { buildArgsFor, dockerfileProblems, interpolate, readDockerfile } from './dockerfile.ts';
import { paths } from './paths.ts';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string | number> };
  network_mode?: string;
  ports?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readCompose(path = paths.compose): ComposeFile {
  // Compose honours YAML merge keys (`<<: *anchor`); so must the check.
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** [host port, container port] of each published port. */
function publishedPorts(service: ComposeService): [number, number][] {
  return (service.ports ?? []).map((entry) => {
    const parts = String(entry).split('/')[0].split(':');
    return [Number(parts.at(-2)), Number(parts.at(-1))];
  });
}

function hasHealthcheck(service: ComposeService, dockerfileHealthcheck: boolean): boolean {
  if (service.healthcheck) return !service.healthcheck.disable;
  return !!service.build && dockerfileHealthcheck;
}

export interface ComposeContext {
  env?: Map<string, DeployableEnv>;
  root?: string;
  dockerfile?: string;
}

export function composeProblems(compose: ComposeFile, context: ComposeContext = {}): string[] {
  const root = context.root ?? paths.root;
  const dockerfilePath = context.dockerfile ?? paths.dockerfile;
  const dockerfile = readDockerfile(dockerfilePath);
  const dockerfileHealthcheck = !dockerfileProblems(dockerfilePath).includes('Dockerfile: no HEALTHCHECK');
  const problems: string[] = [];
  const services = compose.services ?? {};
  const namedVolumes = new Set(Object.keys(compose.volumes ?? {}));

  // Where each service's network lives: its own, or the one it shares with network_mode.
  const networkOwner = (name: string) => {
    const mode = services[name]?.network_mode;
    return mode?.startsWith('service:') ? mode.slice('service:'.length) : name;
  };

  for (const [name, service] of Object.entries(services)) {
    const at = `service ${name}`;
    const owner = networkOwner(name);
    if (!services[owner]) problems.push(`${at}: network_mode names ${owner}, which is not a service`);
    if (owner !== name && service.ports)
      problems.push(`${at}: publishes ports, but its network belongs to ${owner}`);
    if (service.image && !service.build) {
      const tag = /:([^:/]+)$/.exec(service.image)?.[1];
      if (!tag || tag === 'latest') problems.push(`${at}: image ${service.image} is not pinned to a tag`);
    }
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      const target = services[dependency];
      if (!target) problems.push(`${at}: depends on ${dependency}, which is not a service`);
      else if (condition === 'service_healthy' && !hasHealthcheck(target, dockerfileHealthcheck)) {
        problems.push(`${at}: waits for ${dependency} to be healthy, but it has no healthcheck`);
      }
    }
    // Only a network holder (like a pod's pause container) may go without a healthcheck.
    const holdsNetwork = Object.values(services).some((s) => s.network_mode === `service:${name}`);
    if (!holdsNetwork && !hasHealthcheck(service, dockerfileHealthcheck))
      problems.push(`${at}: no healthcheck`);
    for (const volume of service.volumes ?? []) {
      const [source, target, mode] = volume.split(':');
      if (!target) {
        problems.push(`${at}: volume ${volume} has no target`);
      } else if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(join(root, source))) problems.push(`${at}: mounts ${source}, which does not exist`);
        if (mode !== 'ro')
          problems.push(`${at}: mounts ${source} writable; host files are mounted read-only`);
      } else if (!namedVolumes.has(source)) {
        problems.push(`${at}: uses volume ${source}, which the top-level volumes do not declare`);
      }
    }
  }

  for (const deployable of stack) {
    const service = services[deployable.name];
    const at = `service ${deployable.name}`;
    if (!service) {
      problems.push(`${deployable.name} (${deployable.dir}) has no service`);
      continue;
    }
    const args = service.build?.args ?? {};
    if (!service.build) problems.push(`${at}: is not built from the Dockerfile`);
    for (const [arg, expected] of Object.entries(buildArgsFor(deployable))) {
      if (String(args[arg]) !== expected)
        problems.push(`${at}: builds with ${arg}=${args[arg]}, expected ${expected}`);
    }
    for (const arg of Object.keys(args)) {
      if (!(arg in dockerfile.args)) problems.push(`${at}: build arg ${arg} is not an ARG of the Dockerfile`);
    }

    const published = publishedPorts(services[networkOwner(deployable.name)] ?? {});
    for (const port of new Set([deployable.port, deployable.readyPort])) {
      if (!published.some(([host, container]) => host === port && container === port)) {
        problems.push(`${at}: port ${port} is not published as ${port}:${port}`);
      }
    }

    const environment = service.environment ?? {};
    const env = context.env?.get(deployable.name);
    if (env) {
      for (const variable of Object.keys(environment)) {
        if (!env.reads.has(variable))
          problems.push(`${at}: sets ${variable}, which ${deployable.dir} does not read`);
      }
      // What the container starts with: the image's ENV, then compose's, interpolated with
      // the defaults compose would use when the shell does not set the variable.
      const started: Record<string, string> = { ...readDockerfile(dockerfilePath, args).runtimeEnv };
      for (const [variable, value] of Object.entries(environment))
        started[variable] = interpolate(String(value ?? ''));
      for (const problem of env.problems(started))
        problems.push(`${at}: ${deployable.dir} would refuse its env: ${problem}`);
    }
    for (const [variable, value] of Object.entries(environment)) {
      const text = String(value ?? '');
      // A file the deployable reads must be inside one of its mounts, and exist on the host.
      if (text.startsWith('/') && variable !== 'DATA_DIR' && variable !== 'HOST') {
        const mount = (service.volumes ?? [])
          .map((v) => v.split(':'))
          .find(([, target]) => target && (text === target || text.startsWith(`${target}/`)));
        if (!mount) problems.push(`${at}: ${variable}=${text} is not inside any of its mounts`);
        else if (
          mount[0].startsWith('.') &&
          !existsSync(join(root, mount[0], posix.relative(mount[1], text)))
        ) {
          problems.push(`${at}: ${variable}=${text} does not exist on the host (${mount[0]})`);
        }
      }
      if (/^\w+:\/\//.test(text)) {
        const host = new URL(text).hostname;
        if (host !== '127.0.0.1' && host !== 'localhost' && !services[host]) {
          problems.push(`${at}: ${variable} points at ${host}, which is not a service`);
        }
      }
    }
    if (
      environment.DATA_DIR !== undefined &&
      !(service.volumes ?? []).some((v) => v.split(':')[1] === environment.DATA_DIR)
    ) {
      problems.push(
        `${at}: DATA_DIR ${environment.DATA_DIR} is not a volume, so data dies with the container`,
      );
    }
  }
  return problems;
}
