import type { CompiledUpstream } from '@fig/routing-rules';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAbandoned, clientAbandoned, UpstreamStatusError } from './failure.ts';
import { forwardRequestHeaders, forwardResponseHeaders } from './forward-headers.ts';
import type { UpstreamAnswer } from './taps.ts';

const upstreamOf = (request: FastifyRequest) => request.fig.backend!.url;

/**
 * One attempt to get an answer from `upstream` through reply-from (and so the pools).
 * Resolves with the answer once its headers arrive (they are already on the reply); rejects
 * with the transport error (ClientAbandoned when the client's leaving caused it), or with
 * UpstreamStatusError for a 5xx, whose answer is still
 * the one to send. The caller sends the body, so it can decide after a failure.
 */
export function forwardOnce(
  request: FastifyRequest,
  reply: FastifyReply,
  upstream: CompiledUpstream,
): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const body = request.body;
    const buffered = Buffer.isBuffer(body);
    // reply-from appends the client's query string.
    reply.from(request.fig.path, {
      // reply-from types its callbacks for any server flavour; ours is plain HTTP/1.
      getUpstream: upstreamOf as never,
      rewriteRequestHeaders: forwardRequestHeaders as never,
      rewriteHeaders: forwardResponseHeaders as never,
      // A buffered body is sent as-is; without this reply-from would re-encode JSON bodies.
      ...(buffered && { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }),
      onResponse: (_request, _reply, answer) => {
        const res = answer as unknown as UpstreamAnswer;
        if (res.statusCode >= 500) reject(new UpstreamStatusError(res.statusCode, res));
        else resolve(res);
      },
      onError: (_reply, { error }) =>
        reject(clientAbandoned(request, reply) ? new ClientAbandoned(error) : error),
    });
  });
}
