// Assembles in a scratch directory the files a deployable's image holds under /app: what the
// Dockerfile's runtime stage copies from the build context (with .dockerignore applied) and
// its entry-point link. The checks then load the deployable from exactly those files, which
// is as close to running the image as a machine without a Docker engine gets. npm packages
// are linked from the repository's node_modules (which of them npm installs is npm's part);
// of the workspaces, only those the deployable's production dependencies reach, as in the image.
import { cpSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Deployable } from '../../scripts/stack.ts';
import { buildArgsFor, interpolate, readDockerfile } from './dockerfile.ts';
import { paths } from './paths.ts';

const workdir = '/app';

/** .dockerignore as a predicate on context-relative paths: true when the path is left out. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((part) => (part === '**' ? '\u0000' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('/')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\u0000\//g, '(?:.*/)?')
        .replace(/\u0000/g, '.*');
      // A pattern that names a directory leaves out everything under it too.
      return { include, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.include;
    return excluded;
  };
}

/** Builds /app for `deployable` under `scratch` and returns the path of its entry point there. */
export function imageLayout(deployable: Deployable, scratch: string): string {
  const app = join(scratch, workdir);
  const args = buildArgsFor(deployable);
  const { instructions, runtime } = readDockerfile(paths.dockerfile, args);
  const ignored = dockerignore(readFileSync(join(paths.root, '.dockerignore'), 'utf8'));
  const copy = (source: string, destination: string) =>
    cpSync(join(paths.root, source), join(app, destination), {
      recursive: true,
      filter: (path) => !ignored(relative(paths.root, path)),
    });

  // `COPY --from=deps /app ./`: the package manifests the deps stage copied, and node_modules.
  for (const line of instructions.filter((l) => /^COPY\s+(?!--from)/i.test(l))) {
    const [, ...sources] = line.split(/\s+/).slice(0, -1);
    for (const source of sources.filter((s) => s.endsWith('package.json') || s === 'package-lock.json')) {
      copy(source, source);
    }
  }
  linkDependencies(join(app, 'node_modules'), deployable.dir);

  // The runtime stage's own COPY instructions from the build context.
  for (const line of runtime.filter((l) => /^COPY\s+(?!--from)/i.test(l))) {
    const [source, destination] = line
      .split(/\s+/)
      .slice(1)
      .map((part) => interpolate(part, args));
    copy(source, destination);
  }

  // The entry-point link made by `RUN ln -s <target> <link>`.
  const link = runtime.map((l) => /\bln -s "?([^"\s]+)"? (\S+)/.exec(interpolate(l, args))).find(Boolean);
  if (link) symlinkSync(join(scratch, link[1]), join(scratch, link[2]));
  const entry = runtime.find((l) => /^ENTRYPOINT\s/i.test(l));
  const script = entry ? (JSON.parse(entry.slice('ENTRYPOINT'.length)) as string[])[1] : undefined;
  if (!script) throw new Error('the Dockerfile has no ENTRYPOINT ["node", "<script>"]');
  return join(scratch, script);
}

/** node_modules linking each installed package; @fig/* point at the copied workspaces. */
function linkDependencies(target: string, workspace: string) {
  const installed = join(paths.root, 'node_modules');
  mkdirSync(join(target, '@fig'), { recursive: true });
  for (const entry of readdirSync(installed)) {
    if (entry === '.bin' || entry === '@fig') continue;
    symlinkSync(join(installed, entry), join(target, entry));
  }
  for (const name of productionWorkspaces(workspace)) {
    // The same relative links npm makes (../../<dir>), now resolving inside the image.
    symlinkSync(readlinkSync(join(installed, name)), join(target, name));
  }
}

/** `workspace`'s package name and the @fig packages its `dependencies` reach, transitively. */
export function productionWorkspaces(workspace: string): string[] {
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(paths.root, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
    };
  const { workspaces } = JSON.parse(readFileSync(paths.rootPackage, 'utf8')) as { workspaces: string[] };
  const byName = new Map(workspaces.map((dir) => [manifest(dir).name, manifest(dir)]));
  const reached = [manifest(workspace).name];
  for (const name of reached) {
    for (const dependency of Object.keys(byName.get(name)?.dependencies ?? {})) {
      if (byName.has(dependency) && !reached.includes(dependency)) reached.push(dependency);
    }
  }
  return reached;
}
