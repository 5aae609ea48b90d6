import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import type { BffContext } from './context.ts';
import { dedupeRepresentations } from './dedupe-representations.ts';
import type { FederationMetrics } from './federation-metrics.ts';
import { maskSubgraphError } from './mask-errors.ts';

export interface SubgraphOptions {
  /** Per-fetch budget; a subgraph that overruns it fails its fields, not the operation. */
  timeoutMs: number;
  /** Keep-alive connections per subgraph. */
  connections: number;
  breaker: { errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number };
}

export const defaultSubgraphOptions: SubgraphOptions = {
  timeoutMs: 5_000,
  connections: 64,
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 5_000 },
};

class SubgraphHttpError extends Error {}

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

  async #post(body: string, headers: Record<string, string>): Promise<GatewayGraphQLResponse> {
    const response = await this.#pool.request({
      path: this.url.pathname + this.url.search,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.body.text();
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
      const result = await this.#post('{"query":"{ __typename }"}', {});
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
    const body = JSON.stringify({
      query: request.query,
      operationName: request.operationName,
      variables: dedupe ? { ...variables, representations: dedupe.unique } : variables,
    });
    const headers = (options.context as BffContext | undefined)?.forwardHeaders ?? {};
    const stop = this.#metrics.subgraphDuration.startTimer({ subgraph: this.name });
    let result: GatewayGraphQLResponse;
    try {
      result = await this.#breaker.fire(body, headers);
    } catch {
      const rejected = this.#breaker.opened;
      stop({ outcome: rejected ? 'rejected' : 'failed' });
      return {
        errors: [
          {
            message: `the ${this.name} subgraph is unavailable`,
            extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
          },
        ],
      };
    }
    stop({ outcome: result.errors?.length ? 'graphql_error' : 'ok' });
    let errors = result.errors?.map((error: GraphQLFormattedError) => maskSubgraphError(this.name, error));
    let data = result.data;
    if (dedupe && Array.isArray(data?._entities))
      data = { ...data, _entities: dedupe.expand(data._entities) };
    if (dedupe && errors) errors = dedupe.expandErrors(errors);
    return errors ? { data, errors } : { data };
  }

  async close() {
    this.#breaker.shutdown();
    await this.#pool.close();
  }
}
