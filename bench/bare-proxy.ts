// The floor a Node proxy can reach on this machine: `node:http` in, one undici `Pool` out,
// nothing else (no routing, no limits, no metrics, no copy of the headers beyond Host).
// `node bench/bare-proxy.ts PORT UPSTREAM_ORIGIN`. The benchmark measures Fig's CPU per
// request against this one, side by side. It dispatches straight onto the pool and reads the
// answer whole, as Fig does for small answers: the cheapest way undici offers.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = process.argv.slice(2);
const pool = new Pool(origin!, { connections: 128, pipelining: 1, keepAliveTimeout: 10_000 });
const host = new URL(origin!).host;

createServer((request, response) => {
  request.resume();
  let statusCode = 502;
  let headers: IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  pool.dispatch(
    { method: request.method as 'GET', path: request.url!, headers: { ...request.headers, host } },
    {
      onRequestStart() {},
      onResponseStart(_controller, code, answerHeaders) {
        statusCode = code;
        headers = answerHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        response.writeHead(statusCode, {
          'content-type': headers['content-type'] as string,
          'content-length': String(body.length),
        });
        response.end(body);
      },
      onResponseError() {
        response.writeHead(502).end();
      },
    },
  );
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n')).keepAliveTimeout = 60_000;
// A clean exit on SIGTERM, so `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
