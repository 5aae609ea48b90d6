import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body as it streams from the upstream. */
  stream: Readable;
}

/**
 * Sees each proxied answer before the client does (`request.fig.backend` says who gave it) and
 * returns the stream to send on — the same one, or one that copies what passes through.
 * Shadow comparison registers here; taps must never delay or alter the body.
 */
export type ResponseTap = (request: FastifyRequest, answer: UpstreamAnswer) => Readable;

declare module 'fastify' {
  interface FastifyInstance {
    /** Taps applied to every proxied answer, in order. */
    responseTaps: ResponseTap[];
  }
}
