// A fast local JSON upstream for the proxy benchmark: the same small payload on every port
// given, so the proxies, not the upstream, are what the benchmark measures.
import { createServer } from 'node:http';

const body = JSON.stringify({
  items: Array.from({ length: 5 }, (_, i) => ({ sku: `sku-${i}`, available: 10 + i, reserved: i })),
  next_cursor: null,
});
const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };

for (const port of process.argv.slice(2).map(Number)) {
  createServer((request, response) => {
    request.resume();
    response.writeHead(200, headers).end(body);
  }).listen(port, '127.0.0.1').keepAliveTimeout = 60_000;
}
process.stdout.write('ready\n');
