import type { FastifyInstance } from 'fastify';

export interface ServeOptions {
  port: number;
  host: string;
  /** Other resources to close after the server has drained (databases, pools, watchers). */
  onClose?: () => Promise<void> | void;
  /** How long draining may take before the process exits anyway. */
  drainTimeoutMs?: number;
}

/**
 * Listens, then on SIGTERM or SIGINT stops accepting connections, lets in-flight requests
 * finish, closes the rest and exits 0 — or exits 1 when draining overruns its budget.
 */
export async function serve(app: FastifyInstance, options: ServeOptions): Promise<string> {
  let stopping = false;
  // Responses finished while draining tell keep-alive clients to reconnect elsewhere;
  // otherwise an idle pooled connection would hold the process open until the timeout.
  // A callback hook: it runs on every answer, and a promise each is measurable at the edge.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (stopping) reply.header('connection', 'close');
    done(null, payload);
  });
  const address = await app.listen({ port: options.port, host: options.host });
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      app.log.error('drain timed out, exiting');
      process.exit(1);
    }, options.drainTimeoutMs ?? 10_000);
    timer.unref();
    try {
      await app.close();
      await options.onClose?.();
      app.log.info('stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return address;
}
