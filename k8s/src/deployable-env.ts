// The env vars each deployable reads, taken from its own env schema rather than a hand-kept
// list: main.ts runs with an invalid PORT, so it reads every variable its schema names,
// reports the problems (including required variables) and exits before listening.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from './paths.ts';

export interface DeployableEnv {
  /** Every variable the config loader reads. */
  reads: Set<string>;
  /** Variables the deployable refuses to start without. */
  required: Set<string>;
}

const probe = new URL('./env-probe.ts', import.meta.url).href;

export async function deployableEnv(dir: string): Promise<DeployableEnv> {
  const scratch = mkdtempSync(join(tmpdir(), 'fig-env-'));
  const output = join(scratch, 'env.json');
  try {
    const child = spawn(process.execPath, ['--import', probe, join(paths.root, dir, 'src/main.ts')], {
      cwd: paths.root,
      env: { PATH: process.env.PATH, FIG_ENV_PROBE: output, PORT: 'not-a-port' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    // 78 (EX_CONFIG) is loadConfigOrExit rejecting the invalid PORT, as intended.
    if (code !== 78) throw new Error(`${dir}: expected a config error (exit 78), got ${code}\n${stderr}`);
    const reads = new Set<string>(JSON.parse(readFileSync(output, 'utf8')));
    const required = new Set([...stderr.matchAll(/^\s*- (\w+) is required$/gm)].map((m) => m[1]));
    return { reads, required };
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
