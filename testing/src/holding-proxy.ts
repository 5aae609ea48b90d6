import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as forward } from 'undici';

export interface HeldRequest {
  method: string;
  url: string;
  body: string;
  /** Sends it on to the target and relays the answer to the caller (if the caller is still there). */
  release(): Promise<{ status: number; body: string }>;
}

export interface HoldingProxy {
  readonly url: string;
  /** Every request that reached the proxy, held or not, oldest first. */
  readonly seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  /**
   * From now on, requests matching are held instead of forwarded. Resolves with the first
   * one held — the moment the caller is provably waiting mid-call, e.g. to crash it there.
   */
  holdNext(matches: (method: string, url: string) => boolean): Promise<HeldRequest>;
  close(): Promise<void>;
}

/**
 * A real HTTP hop in front of a real upstream that forwards everything, except requests a
 * test chooses to hold. It makes "the process died while its call was in flight" a
 * deterministic situation instead of a race against a timer.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let rule:
    { matches: (method: string, url: string) => boolean; notify: (held: HeldRequest) => void } | undefined;

  const send = async (incoming: IncomingMessage, body: string) => {
    const headers = { ...incoming.headers };
    delete headers.host;
    delete headers.connection;
    const answer = await forward(new URL(incoming.url!, target), {
      method: incoming.method as 'GET',
      headers,
      body: body === '' ? undefined : body,
    });
    return { status: answer.statusCode, headers: answer.headers, body: await answer.body.text() };
  };

  const relay = (response: ServerResponse, answer: Awaited<ReturnType<typeof send>>) => {
    if (response.destroyed) return;
    const type = answer.headers['content-type'];
    response.writeHead(answer.status, type ? { 'content-type': String(type) } : {}).end(answer.body);
  };

  const seen: HoldingProxy['seen'] = [];
  const server = createServer(async (incoming, response) => {
    let body = '';
    for await (const chunk of incoming) body += chunk;
    const method = incoming.method!;
    const url = incoming.url!;
    seen.push({ method, url, headers: incoming.headers, body });
    try {
      if (rule?.matches(method, url)) {
        const { notify } = rule;
        rule = undefined;
        notify({
          method,
          url,
          body,
          async release() {
            const answer = await send(incoming, body);
            relay(response, answer);
            return { status: answer.status, body: answer.body };
          },
        });
        return;
      }
      relay(response, await send(incoming, body));
    } catch {
      if (!response.destroyed) response.writeHead(502).end();
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    holdNext(matches) {
      return new Promise((notify) => {
        rule = { matches, notify };
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
