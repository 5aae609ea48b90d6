import type { FastifyInstance } from 'fastify';
import { stopTracing } from './tracing/state.ts';

export interface Listener {
  port: number;
  host: string;
}

export interface ServeOptions extends Listener {
  /** Where the internal listener (`app.internal`) listens; required when the app has one. */
  internal?: Listener;
  /** Other resources to close after the server has drained (databases, pools, watchers). */
  onClose?: () => Promise<void> | void;
  /** How long draining may take before the process exits anyway. */
  drainTimeoutMs?: number;
}

/** Why two listeners cannot start as configured, or undefined. */
export function listenerProblem(app: FastifyInstance, options: ServeOptions): string | undefined {
  if (!app.internal) return undefined;
  if (!options.internal) return 'the server has an internal listener, but no INTERNAL_PORT to listen on';
  if (options.internal.port !== 0 && options.internal.port === options.port) {
    return `INTERNAL_PORT ${options.port} is PORT too: the internal listener needs a port of its own`;
  }
  return undefined;
}

/**
 * Listens (the public port, then the internal one when the app has it), then on SIGTERM or
 * SIGINT stops accepting connections, lets in-flight requests finish, closes the rest and
 * exits 0 — or exits 1 when draining overruns its budget. Returns the public address.
 */
export async function serve(app: FastifyInstance, options: ServeOptions): Promise<string> {
  const problem = listenerProblem(app, options);
  if (problem) {
    app.log.fatal(problem);
    process.stderr.write(`${problem}\n`);
    process.exit(78); // EX_CONFIG
  }
  const servers = [app, ...(app.internal ? [app.internal] : [])];
  let stopping = false;
  // Responses finished while draining tell keep-alive clients to reconnect elsewhere;
  // otherwise an idle pooled connection would hold the process open until the timeout.
  // A callback hook: it runs on every answer, and a promise each is measurable at the edge.
  for (const server of servers) {
    server.addHook('onSend', (_request, reply, payload, done) => {
      if (stopping) reply.header('connection', 'close');
      done(null, payload);
    });
  }
  const address = await app.listen({ port: options.port, host: options.host });
  if (app.internal && options.internal) {
    const internal = await app.internal.listen({ port: options.internal.port, host: options.internal.host });
    app.log.info({ public: address, internal }, 'serving the public API and, apart, the internal one');
  }
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
      // Closes the internal listener too (createServer's preClose hook), before the shared resources.
      await app.close();
      await options.onClose?.();
      // The last spans (the drain's own requests) are exported before the process goes.
      await stopTracing();
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
