import { withSpan } from '@fig/platform/tracing';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';

/**
 * A span for one GraphQL operation in a BFF (with tracing on): its name and type, and each
 * override label's decision for this caller (`fig.override.<label>`: `service` or
 * `monolith`), the label being the route's name. The plan and every subgraph fetch
 * (@apollo/gateway's own `gateway.fetch` spans and the HTTP calls) are its children.
 */
export function traceOperation<T>(
  requestContext: GatewayGraphQLRequestContext,
  run: () => Promise<T>,
): Promise<T> {
  const name = requestContext.operationName ?? requestContext.request.operationName;
  return withSpan(`graphql.operation${name ? ` ${name}` : ''}`, run, {
    attributes: {
      ...(name ? { 'graphql.operation.name': name } : {}),
      ...(requestContext.operation ? { 'graphql.operation.type': requestContext.operation.operation } : {}),
    },
  });
}

/** Each override label's decision, as attributes of the span it is made in. */
export function overrideAttributes(conditions: ReadonlyMap<string, boolean>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [label, on] of conditions) attributes[`fig.override.${label}`] = on ? 'service' : 'monolith';
  return attributes;
}
