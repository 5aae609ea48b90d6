import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Sends bytes exactly as given (fetch would re-encode a path) and reads one response;
 * `Connection: close` is expected in the request so the server ends the exchange.
 */
export function rawRequest(url: string, request: Buffer | string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      const body = text.slice(split + 4);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        head,
        body: /^transfer-encoding: *chunked/im.test(head) ? dechunk(body) : body,
      });
    });
    // Not end(): a half-closed client may lose its response; Connection: close ends the exchange.
    socket.on('connect', () => socket.write(request));
  });
}

/** A GET for `target` (sent verbatim, bytes included), with extra header lines. */
export function rawGet(url: string, target: Buffer | string, headers: string[] = []): Promise<RawResponse> {
  const head = Buffer.from(
    `\r\nHost: gateway.test\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`,
    'latin1',
  );
  return rawRequest(
    url,
    Buffer.concat([
      Buffer.from('GET ', 'latin1'),
      Buffer.from(target as string, 'latin1'),
      Buffer.from(' HTTP/1.1', 'latin1'),
      head,
    ]),
  );
}
