import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type IncomingHttpHeaders, type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { forwardResponseHeaders } from './forward-headers.ts';

/** What the client sent after its handshake, before the upstream could answer it. */
const clientHead = Symbol('fig.websocketHead');
type UpgradeRequest = IncomingMessage & { [clientHead]?: Buffer };

/** Node's `shouldUpgradeCallback`: a WebSocket handshake is the only upgrade the edge tunnels;
 *  any other (`h2c`, ...) is an ordinary request whose `Upgrade` is dropped as hop-by-hop. */
export function isWebSocketUpgrade(request: IncomingMessage): boolean {
  const { upgrade } = request.headers;
  return request.method === 'GET' && typeof upgrade === 'string' && /^\s*websocket\s*$/i.test(upgrade);
}

/** Whether this request came in as a WebSocket handshake (see `routeWebSocketHandshakes`). */
export function isHandshake(request: FastifyRequest): boolean {
  return clientHead in request.raw;
}

/**
 * Node hands a WebSocket handshake to the server's `upgrade` event with the bare socket, out
 * of the ordinary request path. Each one is put back on it, with a response of its own on that
 * socket, so it meets every hook an ordinary request meets (path, rate limit, auth, the
 * sticky split, breakers, fallback) and then the proxy, which tunnels it (`spliceTunnel`). An
 * answer other than a tunnel (401, 429, the upstream refusing) ends the connection: its HTTP
 * parser is gone, so it cannot carry another request.
 */
export function routeWebSocketHandshakes(app: FastifyInstance): void {
  const connections = new Set<Socket>();
  app.server.on('upgrade', (request: UpgradeRequest, socket: Socket, head: Buffer) => {
    // Node stops listening for the socket's errors once it hands it over; one unheard would crash.
    socket.on('error', () => socket.destroy());
    request[clientHead] = head;
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    response.assignSocket(socket);
    response.on('finish', () => socket.destroySoon());
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    app.routing(request, response);
  });
  // A tunnel is no request: the server would wait for it to end before closing. Both ends are
  // closed instead, and clients reconnect to another instance.
  app.addHook('preClose', (done) => {
    for (const socket of connections) socket.destroySoon();
    done();
  });
}

/**
 * Answers the client's handshake with the upstream's `101` (its `Sec-WebSocket-*` headers, and
 * who served it), then joins the two connections until either end closes; when one does, the
 * other is closed once what it was sent has been written. The tunnel is a byte splice — the
 * edge parses no frames, so it cannot ping — and a tunnel with no bytes either way for
 * `idleMs` is closed (`onIdle` is told): the ends' own pings keep a quiet one open.
 */
export function spliceTunnel(
  request: FastifyRequest,
  reply: FastifyReply,
  accepted: IncomingHttpHeaders,
  upstream: Socket,
  idleMs: number,
  onIdle: () => void,
): void {
  reply.hijack();
  const client = request.raw.socket;
  const headers = {
    ...forwardResponseHeaders(accepted, request),
    connection: 'Upgrade',
    upgrade: accepted.upgrade ?? 'websocket',
  };
  let head = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) head += `${name}: ${one}\r\n`;
  }
  client.once('close', () => upstream.destroySoon());
  upstream.once('close', () => client.destroySoon());
  if (client.destroyed) return void upstream.destroy();
  // Every byte through the tunnel is read on one socket and written on the other, and either
  // resets a socket's timer: one socket timing out means nothing moved either way.
  const idle = () => {
    if (client.destroyed && upstream.destroyed) return;
    onIdle();
    client.destroy();
    upstream.destroy();
  };
  client.setTimeout(idleMs, idle);
  upstream.setTimeout(idleMs, idle);
  client.write(`${head}\r\n`);
  const early = (request.raw as UpgradeRequest)[clientHead];
  if (early && early.length > 0) upstream.write(early);
  upstream.pipe(client);
  client.pipe(upstream);
}
