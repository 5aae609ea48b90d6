// Preloaded into a deployable (node --import) to learn which env vars its config reads:
// records every variable read from inside @fig/common's config loader and writes the list
// to the file named by FIG_ENV_PROBE when the process exits.
import { writeFileSync } from 'node:fs';

const output = process.env.FIG_ENV_PROBE;
const read = new Set<string>();
process.env = new Proxy(process.env, {
  get(target, name) {
    if (typeof name === 'string' && new Error().stack?.includes('/common/src/config.ts')) read.add(name);
    return Reflect.get(target, name);
  },
});
process.on('exit', () => {
  if (output) writeFileSync(output, JSON.stringify([...read]));
});
