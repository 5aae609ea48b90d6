import { requireCaller, type Users } from '@fig/common/domain/index';
import { errorResponses, identityHeaders, user } from '@fig/common/domain/schemas/index';
import type { FastifyPluginAsync } from 'fastify';

export const userRoutes: FastifyPluginAsync<{ users: Users }> = async (app, { users }) => {
  app.get(
    '/api/users/me',
    { schema: { headers: identityHeaders, response: { 200: user, ...errorResponses } } },
    async (request) => users.get(requireCaller(request)),
  );
};
