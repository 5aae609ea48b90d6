import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

export interface UpstreamAnswer {
  statusCode: number;
  /** As the upstream sent them; hop-by-hop ones are dropped when the answer is sent on. */
  headers: IncomingHttpHeaders;
  /** The whole body when it was small enough to read first (most API answers), else the body as it streams. */
  body: Buffer | Readable;
  /** Set when the upstream accepted a WebSocket handshake (`101`): the connection to tunnel. */
  tunnel?: Socket;
}

/**
 * Sees each proxied answer as it is sent on (`request.fig.backend` says who gave it). Shadow
 * comparison registers here; taps must never delay or alter the answer.
 */
export type ResponseTap = (request: FastifyRequest, answer: UpstreamAnswer) => void;

/**
 * Sees an answer's body as it arrives from the upstream, without a stream of its own: set on
 * `request.fig.bodyObserver` before the request goes out (shadowing does, for sampled requests).
 */
export interface BodyObserver {
  /** An answer begins; whatever an earlier attempt delivered no longer counts. */
  reset(): void;
  chunk(chunk: Buffer): void;
  /** The upstream delivered the whole body. */
  end(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Taps applied to every proxied answer, in order. */
    responseTaps: ResponseTap[];
  }
}
