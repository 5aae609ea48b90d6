import type { FastifyBaseLogger } from 'fastify';
import type { CheckoutSaga } from './checkout-saga.ts';

/**
 * Runs saga recovery at start (whatever the last process left unfinished) and then on an
 * interval (sagas left waiting on an upstream that was down). One pass at a time.
 */
export function startRecoveryLoop(
  saga: CheckoutSaga,
  options: { intervalMs: number; log: FastifyBaseLogger },
) {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = saga
      .recover()
      .then(({ resumed, pending }) => {
        if (resumed + pending > 0) options.log.info({ resumed, pending }, 'saga recovery pass');
      })
      .catch((error) => options.log.error({ err: error }, 'saga recovery failed'));
    return running;
  };
  const first = pass();
  const timer = setInterval(() => {
    if (!stopped) void running.then(pass);
  }, options.intervalMs);
  timer.unref();
  return {
    /** The first pass, for callers that want to wait until the books are settled. */
    firstPass: first,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
