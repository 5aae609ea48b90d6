import type { Transition } from './ramp-state.ts';

const attempts = 3;
const timeoutMs = 2000;

/**
 * Posts each ramp transition to RAMP_WEBHOOK_URL as JSON `{ route, from, to, state, reason,
 * at, text, fields?, id }`, in order, one at a time. Only the replica whose write made the
 * transition sends it, so each is sent once; a failed post is tried twice more (the same
 * `id` lets a receiver drop a repeat), then given up and reported. Never blocks a decision.
 */
export class RampWebhook {
  readonly #url: string;
  readonly #onError: (error: unknown, transition: Transition) => void;
  #queue = Promise.resolve();

  constructor(url: string, onError: (error: unknown, transition: Transition) => void) {
    this.#url = url;
    this.#onError = onError;
  }

  send(transition: Transition): void {
    this.#queue = this.#queue.then(() => this.#post(transition));
  }

  async #post(transition: Transition): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const response = await fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(transition),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return;
        last = new Error(`webhook answered ${response.status}`);
        // A receiver that refuses the request will refuse it again.
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
    this.#onError(last, transition);
  }

  /** Waits for the posts queued so far (shutdown, tests). */
  idle(): Promise<void> {
    return this.#queue;
  }
}
