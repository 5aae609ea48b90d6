import { requireCaller, type Users } from '@fig/domain';
import { errorResponses, identityHeaders, user } from '@fig/domain/schemas';
import type { FastifyPluginAsync } from 'fastify';

export const userRoutes: FastifyPluginAsync<{ users: Users }> = async (app, { users }) => {
  app.get(
    '/api/users/me',
    { schema: { headers: identityHeaders, response: { 200: user, ...errorResponses } } },
    async (request) => users.get(requireCaller(request)),
  );
};
