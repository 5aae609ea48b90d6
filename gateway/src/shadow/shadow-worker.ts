// The shadow worker: sends shadow requests, compares answers and keeps the comparison state,
// on a thread of its own so none of that work runs on the event loop that serves clients.
import { parentPort, workerData } from 'node:worker_threads';
import { ComparisonRecorder } from './comparison-recorder.ts';
import { type ComparisonStore, MemoryComparisonStore, type RouteState } from './comparison-store.ts';
import { RedisComparisonStore } from './redis-comparison-store.ts';
import { ShadowDispatcher, type ShadowJob, type ShadowLimits } from './shadow-dispatcher.ts';
import { type MetricOp, metricRelay } from './metric-relay.ts';

export interface WorkerSettings {
  limits: ShadowLimits;
  bucketMs: number;
  redisUrl?: string;
}

export type ToWorker =
  | { type: 'jobs'; jobs: ShadowJob[] }
  /** Counts the main thread recorded (traffic per side, shadows it did not send). */
  | { type: 'merge'; states: Map<string, RouteState> }
  | { type: 'snapshot'; id: number }
  | { type: 'reset'; id: number; route: string }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'reply'; id: number; snapshot?: Map<string, RouteState>; error?: string }
  | { type: 'state'; inFlight: number; queued: number; ops: MetricOp[] }
  /** The worker has taken this many jobs off its port (the main thread's backlog bound). */
  | { type: 'taken'; jobs: number }
  | { type: 'error'; message: string };

const port = parentPort!;
const settings = workerData as WorkerSettings;
const send = (message: FromWorker) => port.postMessage(message);

const relay = metricRelay();
const { metrics } = relay;
// Loaded only when needed: every gateway starts a worker, few of them share through Redis.
const redis = settings.redisUrl
  ? (await import('../rate-limit/redis-client.ts')).createRateLimitRedis(settings.redisUrl, {
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

async function answer(message: Exclude<ToWorker, { type: 'jobs' | 'merge' }>) {
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
