import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultOperationLimits, judgeOperationLimits } from '@fig/federation';
import { parse, print } from 'graphql';
import { type DocumentManifest, sha256 } from '../trusted-documents.ts';

// Builds the registry from operations/*.graphql, as the mobile app's build would; the
// printed (normalised) text is what the id hashes, so formatting never changes an id. A
// document the BFF's operation limits would refuse is not registered: the app would only fail.
const dir = fileURLToPath(new URL('../../operations/', import.meta.url));
const operations: DocumentManifest['operations'] = readdirSync(dir)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .map((file) => {
    const body = print(parse(readFileSync(dir + file, 'utf8')));
    const document = parse(body, { maxTokens: defaultOperationLimits.maxTokens });
    const { refusal } = judgeOperationLimits(document, defaultOperationLimits);
    if (refusal) throw new Error(`${file}: ${refusal.message}`);
    const definition = document.definitions[0];
    if (definition.kind !== 'OperationDefinition' || !definition.name)
      throw new Error(`${file}: one named operation`);
    return { id: sha256(body), name: definition.name.value, type: definition.operation, body };
  });
const manifest: DocumentManifest = { format: 'apollo-persisted-query-manifest', version: 1, operations };
const target = fileURLToPath(new URL('../../trusted-documents.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`wrote ${operations.length} operations to ${target}\n`);
