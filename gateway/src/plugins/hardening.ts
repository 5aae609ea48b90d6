import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Readable } from 'node:stream';
import { BadHost, BodyBuffersFull, BodyTooLarge, sendGatewayError } from '../errors.ts';
import { securityHeaders } from '../hardening/security-headers.ts';
import type { BodyBudget } from '../proxy/body-budget.ts';

const securityHeaderEntries = Object.entries(securityHeaders);

export interface HardeningPluginOptions {
  /** Bytes of chunked bodies being read count against it; without one they are not bounded. */
  bodyBudget?: BodyBudget;
}

/**
 * Refusals that need the matched route or the raw request: no Host or a second one (two
 * components could each believe a different Host), bodies over the route's `bodyLimit`
 * (by Content-Length up front, while reading a chunked body), header names with
 * underscores (dropped, never forwarded), and security headers on
 * every response the gateway makes itself. Node enforces header size and timeouts
 * (hardening/server-options.ts).
 */
export const hardeningPlugin = fp<HardeningPluginOptions>(
  async (app, { bodyBudget }) => {
    // Callback hooks: they run on every request, and a promise each is measurable.
    app.addHook('onRequest', (request, reply, done) => {
      let hosts = 0;
      const raw = request.raw.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'host') hosts += 1;
      if (hosts !== 1) {
        sendGatewayError(request, reply, new BadHost());
        return;
      }
      // `X_User_Id` would reach a CGI-style upstream as X-User-Id: such names never pass the edge.
      for (const name of Object.keys(request.headers)) {
        if (name.includes('_')) delete request.headers[name];
      }
      const limit = request.fig.route.bodyLimit;
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > limit) {
        sendGatewayError(request, reply.header('connection', 'close'), new BodyTooLarge(limit));
        return;
      }
      done();
    });

    // A chunked body has no declared length. It is read (never past the limit) before anything
    // is forwarded: refused mid-stream instead, the upstream would see a broken request and
    // the breaker an upstream failure — a way for any client to open it. Read, it goes on
    // with its length declared, like any other body. What it holds meanwhile counts against
    // the body budget; over it the request is refused (503), since it cannot stream unread.
    const readChunked = async (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: AsyncIterable<Buffer>,
    ) => {
      const limit = request.fig.route.bodyLimit;
      const chunks: Buffer[] = [];
      let seen = 0;
      for await (const chunk of payload) {
        seen += chunk.length;
        if (seen > limit) throw new BodyTooLarge(limit);
        if (bodyBudget && !bodyBudget.hold(reply.raw, seen, 'refused')) throw new BodyBuffersFull();
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks);
      delete request.headers['transfer-encoding'];
      request.headers['content-length'] = String(body.length);
      return Readable.from([body]);
    };
    app.addHook('preParsing', (request, reply, payload, done) => {
      // A declared length is checked in onRequest; without either header there is no body at
      // all (most GETs): nothing to read.
      const { headers } = request;
      if (headers['content-length'] !== undefined || headers['transfer-encoding'] === undefined) {
        return done(null, payload);
      }
      readChunked(request, reply, payload).then(
        (body) => done(null, body),
        (error: Error) => {
          if (error instanceof BodyTooLarge) return void sendGatewayError(request, reply, error);
          if (!(error instanceof BodyBuffersFull)) return done(error);
          // The rest of the body is never read: the connection cannot carry another request.
          reply.header('retry-after', '5').header('connection', 'close');
          sendGatewayError(request, reply, error);
        },
      );
    });

    app.addHook('onSend', (_request, reply, payload, done) => {
      // Proxied answers name their upstream; the gateway's own ones are unmarked or `gateway`.
      const servedBy = reply.getHeader('x-served-by');
      if (servedBy === undefined || servedBy === 'gateway') {
        for (const [name, value] of securityHeaderEntries) {
          if (!reply.hasHeader(name)) reply.header(name, value);
        }
      }
      done(null, payload);
    });
  },
  { name: 'fig-hardening', dependencies: ['fig-edge-context'] },
);
