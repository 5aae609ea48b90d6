// Preloaded into a deployable (node --import) to learn its env schema: the first schema
// @fig/common's config loader compiles is written to the file named by FIG_ENV_PROBE, and
// the process exits right there, before it validates, opens data files or listens.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const output = process.env.FIG_ENV_PROBE!;
// Resolve Ajv the way @fig/common does, so the class patched here is the one it uses.
const { Ajv } = createRequire(new URL('../../common/package.json', import.meta.url))('ajv') as {
  Ajv: { prototype: { compile(schema: object): unknown } };
};
const compile = Ajv.prototype.compile;
Ajv.prototype.compile = function (this: unknown, schema: object) {
  if (new Error().stack?.includes('/common/src/config.ts')) {
    writeFileSync(output, JSON.stringify(schema));
    process.exit(0);
  }
  return compile.call(this, schema);
};
