import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port that was just opened and closed: connecting to it is refused ("upstream down"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
