import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import CircuitBreaker from 'opossum';
import { type Dispatcher, Pool } from 'undici';
import type { BffContext } from './context.ts';
import { dedupeRepresentations } from './dedupe-representations.ts';
import type { FederationMetrics } from './federation-metrics.ts';
import { maskSubgraphError } from './mask-errors.ts';
import { mergeOperations, type SubgraphOperation } from './merge-operations.ts';

export interface SubgraphOptions {
  /** Per-fetch budget; a subgraph that overruns it fails its fields, not the operation. */
  timeoutMs: number;
  /** Keep-alive connections per subgraph. */
  connections: number;
  breaker: { errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number };
  /** Merge concurrent fetches of one client request to this subgraph into one HTTP request. */
  batching: boolean;
}

export const defaultSubgraphOptions: SubgraphOptions = {
  timeoutMs: 5_000,
  connections: 64,
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 5_000 },
  batching: true,
};

class SubgraphHttpError extends Error {}

class SubgraphTimeout extends Error {
  constructor(subgraph: string, ms: number) {
    super(`${subgraph} did not answer within ${ms} ms`);
  }
}

interface Queued {
  operation: SubgraphOperation;
  resolve(response: GatewayGraphQLResponse): void;
  reject(error: unknown): void;
}

/**
 * One subgraph over HTTP: a keep-alive undici pool (the default fetch stack opens
 * connections far too eagerly), a timeout per fetch, an opossum breaker so a dead subgraph
 * costs nothing while it is open, identity and tracing headers from the client request,
 * distinct entity keys only, and errors masked before they can reach a client.
 */
export class SubgraphDataSource implements GraphQLDataSource<BffContext> {
  readonly name: string;
  readonly url: URL;
  readonly #pool: Pool;
  readonly #breaker: CircuitBreaker<[string, Record<string, string>], GatewayGraphQLResponse>;
  readonly #metrics: FederationMetrics;
  readonly #timeoutMs: number;
  readonly #batching: boolean;
  // Fetches waiting for the event loop to turn, per client request.
  readonly #batches = new WeakMap<BffContext, Queued[]>();

  constructor(
    name: string,
    url: string,
    metrics: FederationMetrics,
    options: SubgraphOptions = defaultSubgraphOptions,
  ) {
    this.name = name;
    this.url = new URL(url);
    this.#metrics = metrics;
    this.#timeoutMs = options.timeoutMs;
    this.#batching = options.batching;
    this.#pool = new Pool(this.url.origin, { connections: options.connections, keepAliveTimeout: 30_000 });
    this.#breaker = new CircuitBreaker(
      (body: string, headers: Record<string, string>) => this.#post(body, headers),
      {
        timeout: false, // the fetch carries its own abort signal
        errorThresholdPercentage: options.breaker.errorThresholdPercentage,
        volumeThreshold: options.breaker.volumeThreshold,
        resetTimeout: options.breaker.resetTimeoutMs,
      },
    );
  }

  async #post(
    body: string,
    headers: Record<string, string>,
    timeoutMs = this.#timeoutMs,
  ): Promise<GatewayGraphQLResponse> {
    // A timer cleared once the answer is read, rather than AbortSignal.timeout: that one fires
    // for every fetch when its time is up, long after the answer came, and builds a
    // DOMException with a stack trace each time.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new SubgraphTimeout(this.name, timeoutMs)), timeoutMs);
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await this.#pool.request({
        path: this.url.pathname + this.url.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...headers,
        },
        body,
        signal: controller.signal,
      });
      text = await response.body.text();
    } finally {
      clearTimeout(timer);
    }
    // A GraphQL answer may come with a 4xx (graphql-response+json); anything unparsable is a failure.
    try {
      const parsed = JSON.parse(text) as GatewayGraphQLResponse;
      if (parsed && typeof parsed === 'object' && ('data' in parsed || 'errors' in parsed)) return parsed;
    } catch {}
    throw new SubgraphHttpError(`${this.name} answered ${response.statusCode} without a GraphQL body`);
  }

  /** Whether the subgraph answers at all, for readiness; bypasses the breaker so it can close it. */
  async ping(): Promise<boolean> {
    try {
      // Within a typical readiness probe's budget, whatever the fetch timeout is.
      const result = await this.#post('{"query":"{ __typename }"}', {}, Math.min(this.#timeoutMs, 1000));
      return !result.errors?.length;
    } catch {
      return false;
    }
  }

  async process(options: GraphQLDataSourceProcessOptions<BffContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const variables = request.variables ?? {};
    const representations = variables.representations as unknown[] | undefined;
    const dedupe = representations ? dedupeRepresentations(representations) : undefined;
    const operation: SubgraphOperation = {
      query: request.query!,
      operationName: request.operationName,
      variables: dedupe ? { ...variables, representations: dedupe.unique } : variables,
    };
    const context = options.context as BffContext | undefined;
    let result: GatewayGraphQLResponse;
    try {
      result =
        context && this.#batching
          ? await this.#enqueue(operation, context)
          : await this.#send(operation, context);
    } catch {
      return {
        errors: [
          {
            message: `the ${this.name} subgraph is unavailable`,
            extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
          },
        ],
      };
    }
    let errors = result.errors?.map((error: GraphQLFormattedError) => maskSubgraphError(this.name, error));
    let data = result.data;
    if (dedupe && Array.isArray(data?._entities))
      data = { ...data, _entities: dedupe.expand(data._entities) };
    if (dedupe && errors) errors = dedupe.expandErrors(errors);
    return errors ? { data, errors } : { data };
  }

  /** One HTTP request through the breaker, timed. */
  async #send(
    operation: SubgraphOperation,
    context: BffContext | undefined,
  ): Promise<GatewayGraphQLResponse> {
    const stop = this.#metrics.subgraphDuration.startTimer({ subgraph: this.name });
    try {
      const result = await this.#breaker.fire(JSON.stringify(operation), context?.forwardHeaders ?? {});
      stop({ outcome: result.errors?.length ? 'graphql_error' : 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: this.#breaker.opened ? 'rejected' : 'failed' });
      throw error;
    }
  }

  /**
   * Queues a fetch of this request for this subgraph until the event loop turns over, so that
   * independent branches of the plan that reach this subgraph together share one request.
   */
  #enqueue(operation: SubgraphOperation, context: BffContext): Promise<GatewayGraphQLResponse> {
    let batch = this.#batches.get(context);
    if (!batch) {
      batch = [];
      this.#batches.set(context, batch);
      setImmediate(() => {
        this.#batches.delete(context);
        void this.#flush(batch!, context);
      });
    }
    return new Promise((resolve, reject) => batch.push({ operation, resolve, reject }));
  }

  async #flush(batch: Queued[], context: BffContext) {
    const merged = batch.length > 1 ? mergeOperations(batch.map((queued) => queued.operation)) : null;
    if (!merged) {
      for (const queued of batch) this.#send(queued.operation, context).then(queued.resolve, queued.reject);
      return;
    }
    try {
      const parts = merged.split(
        await this.#send({ query: merged.query, variables: merged.variables }, context),
      );
      batch.forEach((queued, index) => queued.resolve(parts[index]));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    }
  }

  async close() {
    this.#breaker.shutdown();
    await this.#pool.close();
  }
}
