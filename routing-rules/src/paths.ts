import { fileURLToPath } from 'node:url';

/** The default rules for the local stack, shipped with this package. */
export const defaultRulesPath = fileURLToPath(new URL('../routes.yaml', import.meta.url));

/** The generated editor schema that routes.yaml references. */
export const editorSchemaPath = fileURLToPath(new URL('../schema.json', import.meta.url));
