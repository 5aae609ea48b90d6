import { Worker } from 'node:worker_threads';
import { ComparisonRecorder } from '../comparison/comparison-recorder.ts';
import type { ComparisonStore, RouteState } from '../comparison/comparison-store.ts';
import { MemoryComparisonStore } from '../comparison/memory-comparison-store.ts';
import type { FromWorker, ShadowJob, ToWorker, WorkerQuestion, WorkerSettings } from '../worker/protocol.ts';
import { type ShadowLimits, shadowDefaults } from '../worker/shadow-limits.ts';
import { applyMetricOps, type createShadowMetrics } from './shadow-metrics.ts';

export interface ShadowWorkerClientOptions {
  limits?: Partial<ShadowLimits>;
  bucketMs: number;
  redisUrl?: string;
  metrics: ReturnType<typeof createShadowMetrics>;
  onError: (error: unknown) => void;
}

const jobBatchMs = 5;
/** A question as asked; the client numbers it. */
type Question = WorkerQuestion extends infer Q ? (Q extends unknown ? Omit<Q, 'id'> : never) : never;

/**
 * The main thread's side of the shadow worker. Shadow jobs are handed over as they come;
 * what the main thread counts itself (traffic per side, shadows it did not send) goes over
 * in batches; reads wait for the worker's answer. A worker that falls behind (busy, or
 * restarting) cannot make this thread hold jobs without end: past `limits.backlog` jobs not
 * yet taken by the worker, new ones are dropped (`backlog_full`).
 */
export class ShadowWorkerClient {
  readonly limits: ShadowLimits;
  readonly kind: ComparisonStore['kind'];
  /** Counts recorded on this thread, not yet handed to the worker. */
  readonly local: MemoryComparisonStore;
  /** Counts this thread's drops into `local`, like the shadows Shadowing does not send. */
  readonly #dropped: ComparisonRecorder;
  inFlight = 0;
  queued = 0;
  readonly #options: ShadowWorkerClientOptions;
  readonly #settings: WorkerSettings;
  readonly #waiting = new Map<
    number,
    { resolve: (reply: FromWorker) => void; reject: (error: Error) => void }
  >();
  readonly #handover: NodeJS.Timeout;
  #worker: Worker;
  #nextId = 0;
  #closing = false;
  #jobs: ShadowJob[] = [];
  #transfer: ArrayBuffer[] = [];
  /** Jobs posted to the worker that it has not taken off its port yet. */
  #posted = 0;
  #batch?: NodeJS.Timeout;

  constructor(options: ShadowWorkerClientOptions) {
    this.limits = { ...shadowDefaults, ...options.limits };
    this.kind = options.redisUrl ? 'redis' : 'memory';
    this.local = new MemoryComparisonStore({ bucketMs: options.bucketMs });
    this.#dropped = new ComparisonRecorder(this.local, options.metrics);
    this.#options = options;
    this.#settings = { limits: this.limits, bucketMs: options.bucketMs, redisUrl: options.redisUrl };
    this.#worker = this.#start();
    this.#handover = setInterval(() => this.#handOver(), 250);
    this.#handover.unref();
  }

  #start(): Worker {
    const worker = new Worker(new URL('../worker/shadow-worker.ts', import.meta.url), {
      workerData: this.#settings,
    });
    // The servers keep the process alive; a worker left running must not.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'state') {
        this.inFlight = message.inFlight;
        this.queued = message.queued;
        applyMetricOps(this.#options.metrics, message.ops);
      } else if (message.type === 'taken') {
        this.#posted = Math.max(0, this.#posted - message.jobs);
      } else if (message.type === 'error') {
        this.#options.onError(new Error(message.message));
      } else {
        const waiting = this.#waiting.get(message.id);
        this.#waiting.delete(message.id);
        if (message.error) waiting?.reject(new Error(message.error));
        else waiting?.resolve(message);
      }
    });
    worker.on('error', (error) => this.#options.onError(error));
    worker.on('exit', (code) => {
      if (this.#closing) return;
      // Never leave a reader waiting on a worker that is gone, and keep shadowing going.
      const error = new Error(`shadow worker exited with code ${code}; starting a new one`);
      this.#options.onError(error);
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
      this.inFlight = 0;
      this.queued = 0;
      // What the old worker never took is gone with it.
      this.#posted = 0;
      this.#worker = this.#start();
    });
    return worker;
  }

  submit(job: ShadowJob): void {
    if (this.#closing) return;
    if (this.#jobs.length + this.#posted >= this.limits.backlog) {
      return this.#dropped.dropped(job.route, 'backlog_full');
    }
    // Exact-size copies, handed over without a second copy: a pooled Buffer's view would
    // otherwise carry its whole 8 KB slab across.
    const primary = new Uint8Array(job.primary.response.body);
    const body = job.body && new Uint8Array(job.body);
    this.#jobs.push({
      ...job,
      body: body as Buffer | undefined,
      primary: { ...job.primary, response: { ...job.primary.response, body: primary as Buffer } },
    });
    this.#transfer.push(primary.buffer, ...(body ? [body.buffer] : []));
    // A few milliseconds' worth of jobs per message: one hand-over instead of one per request.
    this.#batch ??= setTimeout(() => this.#sendJobs(), jobBatchMs);
  }

  #sendJobs(): void {
    this.#batch = undefined;
    if (this.#jobs.length === 0) return;
    this.#posted += this.#jobs.length;
    const message: ToWorker = { type: 'jobs', jobs: this.#jobs.splice(0) };
    this.#worker.postMessage(message, this.#transfer.splice(0));
  }

  #handOver(): void {
    const states = this.local.drain();
    if (states.size > 0) this.#worker.postMessage({ type: 'merge', states } satisfies ToWorker);
  }

  #ask(question: Question): Promise<FromWorker> {
    if (this.#closing) return Promise.reject(new Error('shadowing has stopped'));
    // Messages arrive in order: everything counted or submitted so far is in the worker's answer.
    clearTimeout(this.#batch);
    this.#sendJobs();
    this.#handOver();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ ...question, id } as ToWorker);
    });
  }

  async snapshot(): Promise<Map<string, RouteState>> {
    const reply = await this.#ask({ type: 'snapshot' });
    return (reply.type === 'reply' && reply.snapshot) || new Map();
  }

  async reset(route: string): Promise<void> {
    await this.#ask({ type: 'reset', route });
  }

  /** Lets shadows in flight finish (bounded by their timeout), then stops the worker. */
  async close(): Promise<void> {
    clearInterval(this.#handover);
    // A worker that died meanwhile has nothing left to finish.
    await this.#ask({ type: 'close' }).catch(() => {});
    this.#closing = true;
    await this.#worker.terminate();
  }
}
