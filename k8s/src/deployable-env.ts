// The env each deployable reads, taken from its own env schema rather than a hand-kept list:
// src/env-probe.ts loads each deployable, from the files its image holds, until
// @fig/platform's config loader compiles the schema. So a file the image lacks fails here, and
// the same schema then validates the env a manifest gives the deployable, with the loader
// the deployable itself uses.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@fig/platform/config';
import type { Deployable } from '../../scripts/stack.ts';
import { imageLayout } from './image-layout.ts';
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

// A conditional rule (`if`/`then`, such as the gateway's admin token off loopback) fails twice:
// once for what `then` requires, which says it, and once for the `if` as a whole, which says
// nothing. Two rules requiring the same variable say it once.
const said = (problem: string) => !/^\s*must match "(then|else)" schema$/.test(problem);

function fromSchema(schema: { properties?: object; required?: string[] }): DeployableEnv {
  return {
    reads: new Set(Object.keys(schema.properties ?? {})),
    required: new Set(schema.required ?? []),
    load(env) {
      try {
        return { config: loadConfig<Record<string, unknown>>(schema, env), problems: [] };
      } catch (error) {
        if (error instanceof ConfigError) return { problems: [...new Set(error.problems.filter(said))] };
        throw error;
      }
    },
  };
}

/**
 * The env schema of every deployable, keyed by name; one that cannot be loaded from its
 * image's files is in `errors` instead.
 */
export async function stackEnv(deployables: readonly Deployable[]) {
  const scratch = mkdtempSync(join(tmpdir(), 'fig-env-'));
  const output = join(scratch, 'schemas.json');
  const mains = deployables.map((d) => imageLayout(d, join(scratch, d.name)));
  try {
    const probe = join(import.meta.dirname, 'env-probe.ts');
    const child = spawn(process.execPath, [probe, output, ...mains], {
      cwd: paths.root,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`the env probe failed (exit ${code})\n${stderr}`);
    const results = JSON.parse(readFileSync(output, 'utf8')) as Record<
      string,
      { schema?: object; error?: string }
    >;
    const env = new Map<string, DeployableEnv>();
    const errors = new Map<string, string>();
    deployables.forEach((deployable, index) => {
      const { schema, error } = results[mains[index]];
      if (schema) env.set(deployable.name, fromSchema(schema));
      else errors.set(deployable.name, `${deployable.dir}: ${error}`);
    });
    return { env, errors };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
