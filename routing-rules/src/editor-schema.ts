import { format } from 'prettier';
import { rulesSchema } from './schema.ts';

/** The text of routing-rules/schema.json: the validation schema, formatted as the repo formats JSON. */
export function editorSchemaText(): Promise<string> {
  return format(JSON.stringify(rulesSchema), { parser: 'json', printWidth: 110 });
}
