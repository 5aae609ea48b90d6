import { once } from 'node:events';
import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768+ by default): no server listening on port 0 is ever
// handed one of these, so a parallel test cannot reopen our "down" port behind our back.
const lowest = 20_000;
const span = 12_000;

/** A port that was just opened and closed: connecting to it is refused ("upstream down"). */
export async function closedPort(): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(lowest + Math.floor(Math.random() * span), '127.0.0.1');
    const outcome = await Promise.race([
      once(server, 'listening').then(() => 'open'),
      once(server, 'error').then(() => 'taken'),
    ]);
    if (outcome === 'taken') continue;
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
}
