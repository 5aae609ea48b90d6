import type { CompiledRoute, CompiledRules } from '@fig/routing-rules';

/**
 * What the edge knows about a request, built up by the onRequest hooks in order:
 * normalise path -> match route -> rate limit -> auth. The proxy handler and shadowing read it.
 */
export interface EdgeContext {
  /** The normalised path routes are matched on. */
  path: string;
  /** The rules snapshot the request started with; a reload mid-request does not change it. */
  rules: CompiledRules;
  /** The matched route, or the rules' implicit default route to the monolith. */
  route: CompiledRoute;
  /** The verified token's `sub`; undefined for anonymous requests. */
  subject?: string;
  /** The verified token's scopes. */
  scopes: string[];
  /** The client address, trusting forwarded headers only per TRUST_PROXY. */
  clientIp: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    fig: EdgeContext;
  }
}
