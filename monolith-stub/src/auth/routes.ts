import { errorResponses, jwks, loginRequest, tokenResponse } from '@fig/domain/schemas';
import type { Users } from '@fig/domain';
import type { FastifyPluginAsync } from 'fastify';
import type { Keystore } from './keystore.ts';
import type { Tokens } from './tokens.ts';

/** The dev identity provider: password login, the JWKS, and discovery for verifiers. */
export const authRoutes: FastifyPluginAsync<{
  users: Users;
  tokens: Tokens;
  keystore: Keystore;
  issuer: string;
}> = async (app, { users, tokens, keystore, issuer }) => {
  app.post<{ Body: { username: string; password: string; scope?: string } }>(
    '/auth/login',
    { schema: { body: loginRequest, response: { 200: tokenResponse, ...errorResponses } } },
    async (request, reply) => {
      const user = users.authenticate(request.body.username, request.body.password);
      return reply.header('cache-control', 'no-store').send(await tokens.issue(user, request.body.scope));
    },
  );

  app.get('/.well-known/jwks.json', { schema: { response: { 200: jwks } } }, async (_request, reply) =>
    // Short caching: verifiers pick up a rotated key within a minute.
    reply.header('cache-control', 'public, max-age=60').send(keystore.jwks()),
  );

  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    jwks_uri: new URL('/.well-known/jwks.json', issuer).href,
    token_endpoint: new URL('/auth/token', issuer).href,
    grant_types_supported: ['password', 'client_credentials'],
    id_token_signing_alg_values_supported: ['RS256'],
  }));
};
