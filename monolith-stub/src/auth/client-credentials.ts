import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServiceClient } from '@fig/platform/auth/dev-service-clients';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Tokens } from './tokens.ts';

// RFC 6749 §5.2 error codes; the token endpoint answers in that shape, which OAuth clients parse.
type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

function oauthError(reply: FastifyReply, status: number, error: OAuthError, description: string) {
  if (error === 'invalid_client') reply.header('www-authenticate', 'Basic realm="fig"');
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json')
    .send({ error, error_description: description });
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
const digest = (value: string) => createHash('sha256').update(value).digest();
const unknownClientSecret = digest('no client has this secret');

function secretMatches(client: ServiceClient | undefined, given: string): boolean {
  const expected = client ? digest(client.secret) : unknownClientSecret;
  return timingSafeEqual(expected, digest(given)) && client !== undefined;
}

// application/x-www-form-urlencoded values decode `+` as a space (RFC 6749 §2.3.1 for Basic too).
const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));

interface Credentials {
  clientId?: string;
  clientSecret?: string;
  /** More than one client authentication method was used (RFC 6749 §2.3). */
  ambiguous: boolean;
  malformed: boolean;
}

function credentialsOf(request: FastifyRequest, body: Record<string, unknown>): Credentials {
  const inBody = {
    clientId: typeof body.client_id === 'string' ? body.client_id : undefined,
    clientSecret: typeof body.client_secret === 'string' ? body.client_secret : undefined,
  };
  const header = request.headers.authorization;
  if (header === undefined) return { ...inBody, ambiguous: false, malformed: false };
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ambiguous: false, malformed: true };
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
      ambiguous: inBody.clientSecret !== undefined,
      malformed: false,
    };
  } catch {
    return { ambiguous: false, malformed: true };
  }
}

/**
 * `POST /auth/token`, the client credentials grant (RFC 6749 §4.4) for Fig's own services:
 * `client_id` and `client_secret` in the body (form-encoded or JSON) or as HTTP Basic; an
 * optional `scope` narrows the client's scopes. The token's `sub` is `svc:<client id>`.
 */
export const clientCredentialsRoutes: FastifyPluginAsync<{
  clients: ServiceClient[];
  tokens: Tokens;
}> = async (app, { clients, tokens }) => {
  const byId = new Map(clients.map((client) => [client.id, client]));
  // Scoped to this plugin: nowhere else does the monolith take form bodies.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8192 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.post('/auth/token', { bodyLimit: 8192 }, async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    if (body.grant_type === undefined)
      return oauthError(reply, 400, 'invalid_request', 'grant_type is required');
    if (body.grant_type !== 'client_credentials')
      return oauthError(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const credentials = credentialsOf(request, body);
    if (credentials.malformed)
      return oauthError(reply, 401, 'invalid_client', 'malformed client authentication');
    if (credentials.ambiguous)
      return oauthError(reply, 400, 'invalid_request', 'use one client authentication method, not two');
    if (!credentials.clientId || credentials.clientSecret === undefined)
      return oauthError(reply, 401, 'invalid_client', 'client_id and client_secret are required');
    const client = byId.get(credentials.clientId);
    if (!secretMatches(client, credentials.clientSecret))
      return oauthError(reply, 401, 'invalid_client', 'unknown client or wrong secret');
    if (body.scope !== undefined && typeof body.scope !== 'string')
      return oauthError(reply, 400, 'invalid_request', 'scope must be a space-separated string');
    const wanted = body.scope?.split(' ').filter(Boolean) ?? client!.scopes;
    const refused = wanted.filter((scope) => !client!.scopes.includes(scope));
    if (refused.length > 0)
      return oauthError(reply, 400, 'invalid_scope', 'a requested scope is not granted to this client');
    request.log.info({ client: client!.id }, 'service token issued');
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send(await tokens.issueService(client!, [...new Set(wanted)]));
  });
};
