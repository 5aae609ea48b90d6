import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface UpstreamAnswer {
  statusCode: number;
  /** As the upstream sent them; hop-by-hop ones are dropped when the answer is sent on. */
  headers: IncomingHttpHeaders;
  /** The whole body when it was small enough to read first (most API answers), else the body as it streams. */
  body: Buffer | Readable;
}

/**
 * Sees each proxied answer before the client does (`request.fig.backend` says who gave it) and
 * returns the answer to send on — the same one, or one whose stream copies what passes through.
 * Shadow comparison registers here; taps must never delay or alter the body.
 */
export type ResponseTap = (request: FastifyRequest, answer: UpstreamAnswer) => UpstreamAnswer;

declare module 'fastify' {
  interface FastifyInstance {
    /** Taps applied to every proxied answer, in order. */
    responseTaps: ResponseTap[];
  }
}
