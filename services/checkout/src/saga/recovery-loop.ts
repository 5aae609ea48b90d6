import type { FastifyBaseLogger } from 'fastify';
import type { CheckoutSaga } from './checkout-saga.ts';

/**
 * Runs saga recovery at start (whatever the last process left unfinished) and then on an
 * interval (sagas left waiting on an upstream that was down). A tick that finds the previous
 * pass still running skips, so passes never overlap or queue up.
 */
export function startRecoveryLoop(
  saga: CheckoutSaga,
  options: { intervalMs: number; log: FastifyBaseLogger },
) {
  let running: Promise<void> | undefined;
  const pass = () => {
    running = saga
      .recover()
      .then(({ resumed, pending }) => {
        if (resumed + pending > 0) options.log.info({ resumed, pending }, 'saga recovery pass');
      })
      .catch((error) => options.log.error({ err: error }, 'saga recovery failed'))
      .finally(() => (running = undefined));
    return running;
  };
  const firstPass = pass();
  const timer = setInterval(() => {
    if (!running) void pass();
  }, options.intervalMs);
  timer.unref();
  return {
    /** The first pass, for callers that want to wait until the books are settled. */
    firstPass,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
