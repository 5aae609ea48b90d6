// The env each deployable reads, taken from its own env schema rather than a hand-kept list:
// main.ts runs with a preload that captures the schema @fig/common's config loader compiles
// and exits before anything else happens. The same schema then validates the env a
// manifest gives the deployable, with the loader the deployable itself uses.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@fig/common/config';
import { paths } from './paths.ts';

export interface DeployableEnv {
  /** Every variable the deployable's config reads. */
  reads: Set<string>;
  /** Variables it refuses to start without. */
  required: Set<string>;
  /**
   * What the deployable makes of this env at start: its config (defaults applied) when it
   * would start, otherwise every problem it would report.
   */
  load(env: Record<string, string>): { config?: Record<string, unknown>; problems: string[] };
}

const probe = new URL('./env-probe.ts', import.meta.url).href;

export async function deployableEnv(dir: string): Promise<DeployableEnv> {
  const scratch = mkdtempSync(join(tmpdir(), 'fig-env-'));
  const output = join(scratch, 'schema.json');
  try {
    const child = spawn(process.execPath, ['--import', probe, join(paths.root, dir, 'src/main.ts')], {
      cwd: paths.root,
      env: { PATH: process.env.PATH, FIG_ENV_PROBE: output },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`${dir}: could not read its env schema (exit ${code})\n${stderr}`);
    const schema = JSON.parse(readFileSync(output, 'utf8')) as { properties?: object; required?: string[] };
    return {
      reads: new Set(Object.keys(schema.properties ?? {})),
      required: new Set(schema.required ?? []),
      load(env) {
        try {
          return { config: loadConfig<Record<string, unknown>>(schema, env), problems: [] };
        } catch (error) {
          if (error instanceof ConfigError) return { problems: error.problems };
          throw error;
        }
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * deployableEnv for every deployable in the stack, probed in parallel, keyed by name; one
 * that cannot be probed (it fails to start for another reason) is in `errors` instead.
 */
export async function stackEnv(deployables: readonly { name: string; dir: string }[]) {
  const results = await Promise.allSettled(deployables.map((d) => deployableEnv(d.dir)));
  const env = new Map<string, DeployableEnv>();
  const errors = new Map<string, string>();
  results.forEach((result, index) => {
    const { name } = deployables[index];
    if (result.status === 'fulfilled') env.set(name, result.value);
    else errors.set(name, (result.reason as Error).message.split('\n').slice(0, 3).join(' '));
  });
  return { env, errors };
}
