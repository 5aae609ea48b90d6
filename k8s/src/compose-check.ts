// `npm run compose:check`: docker-compose.yml against the code and docs/architecture.md (through
// scripts/stack.ts): every deployable is there, built from the shared Dockerfile at its
// port, published on that port, given only env it accepts, mounting paths that exist,
// started only after what it depends on is healthy, and able to reach every address its
// routing rules, supergraph and env name.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseRules } from '@fig/routing-rules';
import { parse } from 'yaml';
import { type Deployable, stack } from '../../scripts/stack.ts';
import type { DeployableEnv } from './deployable-env.ts';
import { buildArgsFor, dockerfileProblems, interpolate, readDockerfile } from './dockerfile.ts';
import { paths } from './paths.ts';
import { remoteSubgraphs } from './remote-subgraphs.ts';

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

export interface ComposeContext {
  /** Each deployable's env schema, by stack name; without it, env is not checked. */
  env?: Map<string, DeployableEnv>;
  dockerfile?: string;
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

/** What a file's path inside a container is on the host, through a read-only bind mount. */
function hostPath(service: ComposeService, path: string): string | undefined {
  for (const [source, target] of (service.volumes ?? []).map((v) => v.split(':'))) {
    if (!target || !source.startsWith('.')) continue;
    if (path === target || path.startsWith(`${target}/`)) {
      return join(paths.root, source, posix.relative(target, path));
    }
  }
  return undefined;
}

class ComposeCheck {
  readonly problems: string[] = [];
  readonly services: Record<string, ComposeService>;
  readonly compose: ComposeFile;
  readonly context: ComposeContext;
  readonly dockerfilePath: string;
  readonly dockerfileHealthcheck: boolean;

  constructor(compose: ComposeFile, context: ComposeContext) {
    this.compose = compose;
    this.services = compose.services ?? {};
    this.context = context;
    this.dockerfilePath = context.dockerfile ?? paths.dockerfile;
    this.dockerfileHealthcheck = !dockerfileProblems(this.dockerfilePath).includes(
      'Dockerfile: no HEALTHCHECK',
    );
  }

  /** Where a service's network lives: its own, or the one it shares with network_mode. */
  networkOwner(name: string): string {
    const mode = this.services[name]?.network_mode;
    return mode?.startsWith('service:') ? mode.slice('service:'.length) : name;
  }

  hasHealthcheck(service: ComposeService): boolean {
    if (service.healthcheck) return !service.healthcheck.disable;
    return !!service.build && this.dockerfileHealthcheck;
  }

  /** Whether `url`, used by service `from`, reaches something: a service by name, or a
   * deployable on 127.0.0.1 in the same network namespace. */
  reaches(from: string, url: string): boolean {
    const { hostname, port } = new URL(url);
    if (this.services[hostname]) return true;
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') return false;
    return stack.some(
      (d) =>
        (String(d.port) === port || String(d.internalPort) === port) &&
        this.services[d.name] &&
        this.networkOwner(d.name) === this.networkOwner(from),
    );
  }

  service(name: string, service: ComposeService) {
    const at = `service ${name}`;
    const owner = this.networkOwner(name);
    if (!this.services[owner])
      this.problems.push(`${at}: network_mode names ${owner}, which is not a service`);
    if (owner !== name && service.ports) {
      this.problems.push(`${at}: publishes ports, but its network belongs to ${owner}`);
    }
    if (service.image && !service.build) {
      const tag = /:([^:/]+)$/.exec(service.image)?.[1];
      if (!tag || tag === 'latest')
        this.problems.push(`${at}: image ${service.image} is not pinned to a tag`);
    }
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      const target = this.services[dependency];
      if (!target) this.problems.push(`${at}: depends on ${dependency}, which is not a service`);
      else if (condition === 'service_healthy' && !this.hasHealthcheck(target)) {
        this.problems.push(`${at}: waits for ${dependency} to be healthy, but it has no healthcheck`);
      }
    }
    // Only a network holder (like a pod's pause container) may go without a healthcheck.
    const holdsNetwork = Object.values(this.services).some((s) => s.network_mode === `service:${name}`);
    if (!holdsNetwork && !this.hasHealthcheck(service)) this.problems.push(`${at}: no healthcheck`);
    const namedVolumes = new Set(Object.keys(this.compose.volumes ?? {}));
    for (const volume of service.volumes ?? []) {
      const [source, target, mode] = volume.split(':');
      if (!target) {
        this.problems.push(`${at}: volume ${volume} has no target`);
      } else if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(join(paths.root, source)))
          this.problems.push(`${at}: mounts ${source}, which does not exist`);
        if (mode !== 'ro')
          this.problems.push(`${at}: mounts ${source} writable; host files are mounted read-only`);
      } else if (!namedVolumes.has(source)) {
        this.problems.push(`${at}: uses volume ${source}, which the top-level volumes do not declare`);
      }
    }
  }

  deployable(deployable: Deployable) {
    const service = this.services[deployable.name];
    const at = `service ${deployable.name}`;
    if (!service) {
      this.problems.push(`${deployable.name} (${deployable.dir}) has no service`);
      return;
    }
    const args = service.build?.args ?? {};
    if (!service.build) this.problems.push(`${at}: is not built from the Dockerfile`);
    for (const [arg, expected] of Object.entries(buildArgsFor(deployable))) {
      if (String(args[arg]) !== expected)
        this.problems.push(`${at}: builds with ${arg}=${args[arg]}, expected ${expected}`);
    }
    // The image is named like the Kubernetes manifests' images: fig/<name>:<its version>.
    const { version } = JSON.parse(readFileSync(join(paths.root, deployable.dir, 'package.json'), 'utf8'));
    const image = `fig/${deployable.name}:${version}`;
    if (service.image !== image)
      this.problems.push(`${at}: builds image ${service.image}, expected ${image}`);
    const declared = readDockerfile(this.dockerfilePath).args;
    for (const arg of Object.keys(args)) {
      if (!(arg in declared)) this.problems.push(`${at}: build arg ${arg} is not an ARG of the Dockerfile`);
    }
    const published = publishedPorts(this.services[this.networkOwner(deployable.name)] ?? {});
    for (const port of new Set([deployable.port, deployable.internalPort])) {
      if (!published.some(([host, container]) => host === port && container === port)) {
        this.problems.push(`${at}: port ${port} is not published as ${port}:${port}`);
      }
    }
    // What the container starts with: the image's ENV, then compose's, interpolated with
    // the defaults compose uses when the shell does not set a variable.
    const environment = service.environment ?? {};
    const started: Record<string, string> = { ...readDockerfile(this.dockerfilePath, args).runtimeEnv };
    for (const [variable, value] of Object.entries(environment))
      started[variable] = interpolate(String(value ?? ''));
    const env = this.context.env?.get(deployable.name);
    if (env) {
      for (const variable of Object.keys(environment)) {
        if (!env.reads.has(variable))
          this.problems.push(`${at}: sets ${variable}, which ${deployable.dir} does not read`);
      }
      const { config, problems } = env.load(started);
      for (const problem of problems)
        this.problems.push(`${at}: ${deployable.dir} would refuse its env: ${problem}`);
      if (config) this.addresses(deployable, service, config);
    }
    this.files(deployable, service, environment);
    // With DATABASE_URL the data lives in PostgreSQL and DATA_DIR holds nothing.
    const keepsData = env?.reads.has('DATA_DIR') && started.DATA_DIR !== ':memory:' && !started.DATABASE_URL;
    if (keepsData && !(service.volumes ?? []).some((v) => v.split(':')[1] === started.DATA_DIR)) {
      this.problems.push(
        `${at}: DATA_DIR ${started.DATA_DIR} is not a volume, so data dies with the container`,
      );
    }
  }

  /** A file named in env must be inside a host mount, and exist on the host. */
  files(
    deployable: Deployable,
    service: ComposeService,
    environment: ComposeService['environment'] & object,
  ) {
    const at = `service ${deployable.name}`;
    for (const [variable, value] of Object.entries(environment)) {
      const path = String(value ?? '');
      if (!path.startsWith('/') || variable === 'DATA_DIR') continue;
      const onHost = hostPath(service, path);
      if (!onHost) this.problems.push(`${at}: ${variable}=${path} is not inside any of its host mounts`);
      else if (!existsSync(onHost))
        this.problems.push(`${at}: ${variable}=${path} does not exist on the host`);
    }
  }

  /** Every upstream, subgraph and URL (set or defaulted) a deployable calls must be reachable from it. */
  addresses(deployable: Deployable, service: ComposeService, config: Record<string, unknown>) {
    const at = `service ${deployable.name}`;
    const urls = Object.entries(config).filter(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && /^https?:\/\//.test(entry[1]) && !linksForPeople.has(entry[0]),
    );
    const rules = typeof config.ROUTING_RULES === 'string' && hostPath(service, config.ROUTING_RULES);
    if (rules && existsSync(rules)) {
      const result = parseRules(readFileSync(rules, 'utf8'), rules);
      if (!result.ok)
        this.problems.push(`${at}: its routing rules are invalid: ${result.problems[0].message}`);
      else
        for (const upstream of result.rules.upstreams.values())
          urls.push([`upstream ${upstream.name}`, upstream.url]);
    }
    // The image's own supergraph, unless SUPERGRAPH_PATH names another.
    if (!(service.environment ?? {}).SUPERGRAPH_PATH) {
      for (const { name, url } of remoteSubgraphs(deployable.dir)) urls.push([`subgraph ${name}`, url]);
    }
    for (const [what, url] of urls) {
      if (!this.reaches(deployable.name, url))
        this.problems.push(`${at}: ${what} at ${url} is unreachable from it`);
    }
  }
}

// URLs a deployable shows to people (a link on the dashboard), never calls itself.
const linksForPeople: ReadonlySet<string> = new Set(['TRACE_URL_TEMPLATE']);

export function composeProblems(compose: ComposeFile, context: ComposeContext = {}): string[] {
  const check = new ComposeCheck(compose, context);
  for (const [name, service] of Object.entries(check.services)) check.service(name, service);
  for (const deployable of stack) check.deployable(deployable);
  return check.problems;
}
