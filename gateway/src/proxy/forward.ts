import type { CompiledUpstream } from '@fig/routing-rules';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { UpstreamPools } from '../upstreams/pools.ts';
import { AnswerReader } from './answer-reader.ts';
import { endAttemptSpan, startAttemptSpan } from './attempt-span.ts';
import { ClientAbandoned, clientAbandoned, UpstreamStatusError } from './failure.ts';
import { forwardRequestHeaders } from './forward-headers.ts';
import type { UpstreamAnswer } from './taps.ts';
import { isHandshake } from './websocket.ts';

/** `host:port` of an upstream origin (rules keep it without a trailing slash). */
const hostOf = (upstream: CompiledUpstream) => upstream.url.slice(upstream.url.indexOf('//') + 2);

/**
 * One attempt to get an answer from `upstream`, dispatched straight onto its undici pool with
 * the upstream's timeouts (undici aborts the upstream request when one fires). The upstream
 * receives the normalised path with the client's query string. Resolves with the answer;
 * rejects with the transport error (ClientAbandoned when the client's leaving caused it, or
 * when it left before the answer came), or with UpstreamStatusError for a 5xx, whose answer
 * is still the one to send. Nothing is written to the client here: the caller decides what
 * to send, also after a failure.
 */
export function forwardOnce(
  request: FastifyRequest,
  reply: FastifyReply,
  upstream: CompiledUpstream,
  pools: UpstreamPools,
): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const headers = forwardRequestHeaders(request, hostOf(upstream));
    const span = startAttemptSpan(request, upstream, headers);
    const reader = new AnswerReader(request.method, request.fig.bodyObserver, (error, answer) => {
      if (span) endAttemptSpan(span, answer?.statusCode, error ?? undefined);
      if (error) {
        reject(clientAbandoned(request, reply) ? new ClientAbandoned(error) : error);
      } else if (clientAbandoned(request, reply)) {
        if (answer!.body instanceof Readable) answer!.body.destroy();
        // A tunnel nobody will splice would hold the upstream's connection open for good.
        answer!.tunnel?.destroy();
        reject(new ClientAbandoned(new Error('the client left before the answer came')));
      } else if (answer!.statusCode >= 500) {
        reject(new UpstreamStatusError(answer!.statusCode, answer));
      } else {
        resolve(answer!);
      }
    });
    const query = request.url.indexOf('?');
    const body = request.body as Buffer | Readable | undefined;
    pools.dispatch(
      upstream,
      {
        method: request.method as never,
        path: query === -1 ? request.fig.path : request.fig.path + request.url.slice(query),
        headers,
        body: body ?? null,
        headersTimeout: upstream.timeoutMs,
        bodyTimeout: upstream.bodyTimeoutMs,
        // undici adds `Connection: upgrade` and hands over the connection on a `101`.
        upgrade: isHandshake(request) ? 'websocket' : null,
      },
      reader,
    );
  });
}
