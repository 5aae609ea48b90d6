// The upstreams for the shadow benchmark: the same JSON answer (with a timestamp, so the
// comparison does real work and learns noise) after a fixed delay, like a real backend.
// `node bench/shadow-upstream.ts <delay ms> <port>...`
import { createServer } from 'node:http';

const [delayMs, ...ports] = process.argv.slice(2).map(Number);
const items = Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, available: 10 + i, reserved: i }));

for (const port of ports) {
  createServer((request, response) => {
    request.resume();
    setTimeout(() => {
      const body = JSON.stringify({ items, generated_at: new Date().toISOString() });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }, delayMs);
  }).listen(port, '127.0.0.1').keepAliveTimeout = 60_000;
}
process.stdout.write('ready\n');
