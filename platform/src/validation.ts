import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function newAjv(coerceTypes: boolean | 'array') {
  // removeAdditional off: an unknown field is a client mistake to report, not to drop silently.
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are JSON and must carry the right types ("2" is not a quantity); query strings,
 * params and headers are text by nature, so they are coerced to the declared types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = newAjv(false);
  const coercing = newAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}

/**
 * A JSON Schema check for data that arrives outside HTTP (an event read from a stream): strict
 * types, no defaults written into the value, and the problem as one line of text, or null.
 */
export function compileJsonSchema(schema: object): (value: unknown) => string | null {
  const ajv = new Ajv({ allErrors: false, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? null : ajv.errorsText(validate.errors, { dataVar: 'event' }));
}
