// `npm run rules:schema`: regenerate routing-rules/schema.json from the validation schema.
import { writeFileSync } from 'node:fs';
import { editorSchemaText } from '../editor-schema.ts';
import { editorSchemaPath } from '../paths.ts';

writeFileSync(editorSchemaPath, await editorSchemaText());
console.log(`wrote ${editorSchemaPath}`);
