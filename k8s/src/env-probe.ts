// Run as `node env-probe.ts <output file> <main.ts>...`: learns each deployable's env schema
// by loading its main.ts until @fig/platform's config loader compiles the schema, which is
// where the load stops: nothing validates, opens data files or listens. One process loads
// them all, so the libraries they share are loaded once.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

class SchemaCaptured extends Error {
  readonly schema: object;
  constructor(schema: object) {
    super('env schema captured');
    this.schema = schema;
  }
}

// Resolve Ajv the way @fig/platform does, so the class patched here is the one it uses.
const { Ajv } = createRequire(new URL('../../platform/package.json', import.meta.url))('ajv') as {
  Ajv: { prototype: { compile(schema: object): unknown } };
};
const compile = Ajv.prototype.compile;
Ajv.prototype.compile = function (this: unknown, schema: object) {
  if (new Error().stack?.includes('/platform/src/config.ts')) throw new SchemaCaptured(schema);
  return compile.call(this, schema);
};

const [output, ...mains] = process.argv.slice(2);
const results: Record<string, { schema?: object; error?: string }> = {};
for (const main of mains) {
  try {
    await import(pathToFileURL(main).href);
    results[main] = { error: 'main.ts finished without loading its config' };
  } catch (error) {
    results[main] = error instanceof SchemaCaptured ? { schema: error.schema } : { error: String(error) };
  }
}
writeFileSync(output, JSON.stringify(results));
// Modules a main.ts imported may hold the event loop open; their work is not wanted here.
process.exit(0);
