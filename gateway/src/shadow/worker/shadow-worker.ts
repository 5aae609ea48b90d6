// The shadow worker: sends shadow requests, compares answers and keeps the comparison state,
// on a thread of its own so none of that work runs on the event loop that serves clients.
import { startTracing, stopTracing } from '@fig/platform/tracing';
import { parentPort, workerData } from 'node:worker_threads';
import { ComparisonRecorder } from '../comparison/comparison-recorder.ts';
import type { ComparisonStore } from '../comparison/comparison-store.ts';
import { MemoryComparisonStore } from '../comparison/memory-comparison-store.ts';
import { metricRelay } from './metric-relay.ts';
import type { FromWorker, ToWorker, WorkerQuestion, WorkerSettings } from './protocol.ts';
import { RedisComparisonStore } from './redis-comparison-store.ts';
import { ShadowDispatcher } from './shadow-dispatcher.ts';

const port = parentPort!;
const settings = workerData as WorkerSettings;
const send = (message: FromWorker) => port.postMessage(message);

// Shadows are traced from this thread, as the gateway (each in a trace of its own).
await startTracing('gateway');
const relay = metricRelay();
const { metrics } = relay;
// Loaded only when needed: every gateway starts a worker, few of them share through Redis.
const redis = settings.redisUrl
  ? (await import('../../fail-fast-redis.ts')).createFailFastRedis(settings.redisUrl, {
      commandTimeoutMs: 2000,
    })
  : undefined;
const store: ComparisonStore = redis
  ? new RedisComparisonStore({
      redis,
      bucketMs: settings.bucketMs,
      exampleTtlMs: settings.limits.exampleTtlMs,
      onError: (error) => send({ type: 'error', message: String(error) }),
    })
  : new MemoryComparisonStore({ bucketMs: settings.bucketMs, exampleTtlMs: settings.limits.exampleTtlMs });
const recorder = new ComparisonRecorder(store, metrics, settings.limits.hashKey);
let queue = { inFlight: 0, queued: 0 };
const dispatcher = new ShadowDispatcher(recorder, settings.limits, (inFlight, queued) => {
  metrics.inFlight.set(inFlight);
  metrics.queued.set(queued);
  queue = { inFlight, queued };
});

// Metric operations and the queue state travel in batches, not one message per comparison.
const report = () => {
  const ops = relay.take();
  if (ops.length > 0) send({ type: 'state', ...queue, ops });
};
const reporting = setInterval(report, 250);

// Buffers arrive as plain byte arrays; comparison wants Buffers.
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

async function answer(message: WorkerQuestion) {
  switch (message.type) {
    case 'snapshot':
      return { snapshot: await store.snapshot() };
    case 'reset':
      await store.reset(message.route);
      return {};
    case 'close':
      clearInterval(reporting);
      await dispatcher.close();
      await store.close();
      redis?.disconnect();
      await stopTracing();
      return {};
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'jobs') {
    for (const job of message.jobs) {
      if (job.body) job.body = asBuffer(job.body);
      job.primary.response.body = asBuffer(job.primary.response.body);
      dispatcher.submit(job);
    }
    send({ type: 'taken', jobs: message.jobs.length });
    return;
  }
  if (message.type === 'merge') return store.merge(message.states);
  answer(message).then(
    (result) => {
      report();
      send({ type: 'reply', id: message.id, ...result });
    },
    (error: unknown) => send({ type: 'reply', id: message.id, error: String(error) }),
  );
});
