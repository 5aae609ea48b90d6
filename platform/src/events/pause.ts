/**
 * The waits between a loop's rounds: `wait(ms)` sleeps unless `wake()` ends it early (new work,
 * or a stop), and `backoff(failures)` grows from `baseMs` to at most `maxMs` while a dependency
 * stays down, so retries are bounded in rate and never stop for good.
 */
export function createPause(baseMs: number, maxMs: number) {
  let wakeUp: (() => void) | undefined;
  let woken = false;
  return {
    wait(ms: number): Promise<void> {
      if (woken || ms <= 0) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeUp = undefined;
          woken = false;
          resolve();
        }
        wakeUp = done;
      });
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true; // a wake between rounds still skips the next wait
    },
    backoff(failures: number): number {
      return Math.min(baseMs * 2 ** Math.min(failures, 16), maxMs);
    },
  };
}
