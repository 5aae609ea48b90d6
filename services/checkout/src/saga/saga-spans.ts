import { withSpan } from '@fig/platform/tracing';
import type { Saga } from './saga-store.ts';

// The span of each step, by the step the saga is in when it runs (docs/architecture.md, tracing).
const spanNames: Partial<Record<Saga['step'], string>> = {
  reserving: 'saga.reserve',
  charging: 'saga.charge',
  ordering: 'saga.commit',
  recording: 'saga.record',
  compensating: 'saga.compensate',
};

type Step = (saga: Saga, live: boolean, requestId?: string) => Promise<Saga>;

/**
 * A saga step as a span (with tracing on): named for the step, a child of the request that
 * drives it (or of nothing, when recovery does), its calls to inventory, payment and the
 * monolith as its children, and where the saga went next.
 */
export function tracedStep(step: Step): Step {
  return (saga, live, requestId) => {
    const name = spanNames[saga.step];
    if (name === undefined) return step(saga, live, requestId);
    return withSpan(
      name,
      async (span) => {
        const next = await step(saga, live, requestId);
        span?.setAttribute('fig.saga.next_step', next.step);
        return next;
      },
      { attributes: { 'fig.saga.id': saga.id, 'fig.order_id': saga.order_id, 'fig.saga.live': live } },
    );
  };
}
