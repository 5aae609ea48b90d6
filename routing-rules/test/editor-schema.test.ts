import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { editorSchemaText } from '../src/editor-schema.ts';
import { editorSchemaPath } from '../src/paths.ts';

it('routing-rules/schema.json is up to date (npm run rules:schema regenerates it)', async () => {
  expect(readFileSync(editorSchemaPath, 'utf8')).toBe(await editorSchemaText());
});
