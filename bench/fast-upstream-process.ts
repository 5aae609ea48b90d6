// The fixed-answer upstream (bench/fast-upstream.ts) as a process of its own, so the load
// generator and the gateway never share its CPU.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fast-upstream.ts', import.meta.url));

/** Starts it listening on each of `ports` and resolves once it says it is ready. */
export async function startFastUpstream(...ports: number[]): Promise<ChildProcess> {
  const upstream = spawn(process.execPath, [script, ...ports.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await once(upstream.stdout!, 'data');
  } catch (error) {
    upstream.kill();
    throw error;
  }
  return upstream;
}
