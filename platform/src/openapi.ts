import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface OpenApiOptions {
  title: string;
  version?: string;
  description?: string;
}

/**
 * Serves `/openapi.json`, generated from the JSON Schemas of every route registered after
 * this plugin, so the document can never drift from what the server validates.
 */
export const openApi = fp<OpenApiOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(swagger, {
      openapi: {
        info: { title: options.title, version: options.version ?? '1.0.0', description: options.description },
      },
      hideUntagged: false,
    });
    app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
  },
  { name: 'fig-openapi' },
);
