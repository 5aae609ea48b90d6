import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { RunningGateway } from '../../gateway/test/gateway-harness.ts';

export interface WebSocketUpstream {
  url: string;
  /** The handshake headers of every connection, in order. */
  handshakes: IncomingHttpHeaders[];
  /** Closes the connection the upstream holds for this client id with a code and reason. */
  closeFor(clientId: string, code: number, reason: string): void;
  /** Resolves with the close code once the upstream's connection for this client id closes. */
  closedFor(clientId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * A real WebSocket server (ws) that greets each connection with its name and echoes every
 * message prefixed with it. Handshakes for `/api/inventory/refused` are answered 403 with a
 * JSON body, as an upstream that turns a client away does.
 */
export async function startWebSocketUpstream(name: string): Promise<WebSocketUpstream> {
  const handshakes: IncomingHttpHeaders[] = [];
  const byClient = new Map<string, WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_request, response) => response.end(name));
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    handshakes.push(req.headers);
    if (req.url?.startsWith('/api/inventory/refused')) {
      const body = JSON.stringify({ refusedBy: name });
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      byClient.set(String(req.headers['x-client-id']), ws);
      ws.send(`hello from ${name}`);
      ws.on('message', (data) => ws.send(`${name}:${String(data)}`));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    closeFor: (clientId, code, reason) => byClient.get(clientId)?.close(code, reason),
    closedFor: async (clientId) => {
      const ws = byClient.get(clientId)!;
      if (ws.readyState === WebSocket.CLOSED) return -1;
      const [code] = (await once(ws, 'close')) as [number];
      return code;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface OpenSocket {
  ws: WebSocket;
  /** The gateway's 101 answer headers. */
  headers: IncomingHttpHeaders;
  /** The upstream's greeting. */
  greeting: string;
}

export function nextMessage(ws: WebSocket): Promise<string> {
  return once(ws, 'message').then(([data]) => String(data));
}

export async function connect(url: string, headers: Record<string, string>): Promise<OpenSocket> {
  const ws = new WebSocket(url, { headers });
  const greeting = nextMessage(ws);
  // 'open' follows 'upgrade' in the same tick: both are listened for from the start.
  const upgraded = once(ws, 'upgrade') as Promise<[IncomingMessage]>;
  await once(ws, 'open');
  const [response] = await upgraded;
  return { ws, headers: response.headers, greeting: await greeting };
}

/** The answer when the handshake is not accepted: status, headers and JSON body. */
export async function refusal(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  // An accepted handshake fails the expectation at once rather than leaving the test waiting.
  const accepted = once(ws, 'open').then(() => {
    ws.terminate();
    throw new Error('the handshake was accepted');
  });
  accepted.catch(() => undefined);
  const [, response] = (await Promise.race([once(ws, 'unexpected-response'), accepted])) as [
    unknown,
    IncomingMessage,
  ];
  let text = '';
  for await (const chunk of response) text += String(chunk);
  // Ending a handshake that never opened makes ws report just that; it is expected here.
  ws.once('error', () => undefined);
  ws.terminate();
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as unknown };
}

export const wsUrl = (gateway: RunningGateway, path: string) => `${gateway.url.replace('http', 'ws')}${path}`;
