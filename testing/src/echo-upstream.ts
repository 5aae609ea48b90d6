import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/** What an echo upstream saw of one request. */
export interface EchoedRequest {
  side: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type EchoBehaviour = (
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
) => boolean | void;

export interface RunningEchoUpstream {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Every request received so far, including ones the client gave up on. */
  readonly received: EchoedRequest[];
  /** Requests whose client went away before the answer (the gateway aborted them). */
  readonly aborted: number;
  /** Overrides the answer: return true when the behaviour answered (or deliberately did not). */
  behave(behaviour: EchoBehaviour | undefined): void;
  /** Stops listening and drops open connections: later connects are refused. */
  close(): Promise<void>;
}

/**
 * A real HTTP upstream on port 0 that answers every request with JSON saying which side it
 * is and what it received, so tests see exactly what the gateway forwarded.
 */
export async function startEchoUpstream(name: string, port = 0): Promise<RunningEchoUpstream> {
  const received: EchoedRequest[] = [];
  let aborted = 0;
  let behaviour: EchoBehaviour | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const echoed = {
        side: name,
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        body,
      };
      received.push(echoed);
      response.on('close', () => {
        if (!response.writableFinished) aborted += 1;
      });
      if (behaviour?.(request, response, body)) return;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echoed));
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as { port: number }).port;
  return {
    name,
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    received,
    get aborted() {
      return aborted;
    },
    behave: (next) => {
      behaviour = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
