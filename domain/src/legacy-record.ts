import type { FastifyRequest } from 'fastify';
import { Agent, request as send } from 'undici';

export interface LegacyRecordsOptions {
  /** The monolith's base URL. */
  legacyUrl: string;
  timeoutMs?: number;
}

// The caller's identity and trace follow the lookup, as they follow a forwarded REST request.
const forwardedHeaders = ['authorization', 'x-user-id', 'x-request-id', 'traceparent'];

/**
 * Reads records the monolith made before a route moved here, for answers that are not a
 * verbatim REST forward (GraphQL resolvers): `get('/api/payments/pay_1', request)` is the
 * monolith's JSON for that record, or null when it has none or cannot be reached, which is
 * what `addLegacyFallthrough` makes REST answer in the same cases.
 */
export function legacyRecords(options: LegacyRecordsOptions) {
  const timeout = options.timeoutMs ?? 2000;
  const dispatcher = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });

  async function get(path: string, request: FastifyRequest): Promise<unknown | null> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const name of forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await send(new URL(path, options.legacyUrl), { headers, dispatcher });
      const body = await answer.body.text();
      if (answer.statusCode !== 200) return null;
      request.log.info({ path }, 'record read from the legacy side');
      return JSON.parse(body) as unknown;
    } catch (error) {
      request.log.warn({ path, err: error }, 'legacy side unreachable; answering here');
      return null;
    }
  }

  return { get, close: () => dispatcher.close() };
}

export type LegacyRecords = ReturnType<typeof legacyRecords>;
