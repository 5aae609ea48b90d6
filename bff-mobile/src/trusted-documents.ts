import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { watchFile } from '@fig/federation';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

/** Apollo's persisted query manifest: the format the mobile app's build produces. */
export interface DocumentManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: { id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }[];
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Parses a manifest; throws on anything that would let a wrong document run under an id. */
export function parseManifest(text: string): Map<string, string> {
  const manifest = JSON.parse(text) as DocumentManifest;
  if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1) {
    throw new Error('not an apollo-persisted-query-manifest, version 1');
  }
  const documents = new Map<string, string>();
  for (const operation of manifest.operations) {
    if (sha256(operation.body) !== operation.id)
      throw new Error(`operation ${operation.name}: id is not sha256(body)`);
    documents.set(operation.id, operation.body);
  }
  return documents;
}

interface GraphQLParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } } | string;
}

function refuse(reply: FastifyReply, code: string, message: string) {
  return reply
    .code(400)
    .type('application/json')
    .send({ errors: [{ message, extensions: { code } }] });
}

/**
 * Trusted documents: requests name a registered operation by id (`documentId`, with or
 * without a `sha256:` prefix, or Apollo's `extensions.persistedQuery.sha256Hash`) and the
 * BFF substitutes its text. With `registeredOnly` (production) nothing else runs.
 * The registry file is re-read when it changes; a broken file keeps the previous registry.
 */
export function trustedDocuments(path: string, options: { registeredOnly: boolean; log: FastifyBaseLogger }) {
  let documents = parseManifest(readFileSync(path, 'utf8'));
  const watcher = watchFile(
    path,
    (text) => {
      try {
        documents = parseManifest(text);
        options.log.info({ operations: documents.size }, 'trusted documents reloaded');
      } catch (error) {
        options.log.error({ err: error }, 'trusted documents rejected; keeping the current registry');
      }
    },
    (error) => options.log.error({ err: error }, 'cannot read the trusted documents'),
  );

  async function preHandler(request: FastifyRequest, reply: FastifyReply) {
    if (request.method === 'OPTIONS') return;
    const fromBody = request.method === 'POST';
    const params = ((fromBody ? request.body : request.query) ?? {}) as GraphQLParams;
    const extensions =
      typeof params.extensions === 'string' ? safeJson(params.extensions) : (params.extensions ?? undefined);
    const rawId = params.documentId ?? extensions?.persistedQuery?.sha256Hash;
    if (rawId === undefined) {
      if (!options.registeredOnly) return;
      return refuse(
        reply,
        'PERSISTED_QUERY_REQUIRED',
        'only registered operations run here: send the documentId of an operation in the mobile app registry',
      );
    }
    const id = typeof rawId === 'string' ? rawId.replace(/^sha256:/, '') : '';
    const body = documents.get(id);
    if (!body)
      return refuse(
        reply,
        'PERSISTED_QUERY_NOT_FOUND',
        `no registered operation has the id "${String(rawId)}"`,
      );
    if (fromBody) {
      const next = { ...(request.body as object), query: body } as Record<string, unknown>;
      delete next.documentId;
      if (next.extensions && typeof next.extensions === 'object') {
        const { persistedQuery: _, ...rest } = next.extensions as Record<string, unknown>;
        next.extensions = rest;
      }
      request.body = next;
    } else {
      // Apollo reads GET parameters from the raw URL, so the substitution happens there.
      const url = new URL(request.raw.url ?? '/', 'http://bff');
      url.searchParams.delete('documentId');
      url.searchParams.delete('extensions');
      url.searchParams.set('query', body);
      request.raw.url = url.pathname + url.search;
    }
  }

  return { preHandler, close: () => watcher.close(), size: () => documents.size };
}

function safeJson(text: string): { persistedQuery?: { sha256Hash?: unknown } } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
