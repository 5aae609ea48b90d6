import { createServer } from '@fig/common';
import type { FastifyInstance } from 'fastify';

export function buildApp(options: { logLevel?: string } = {}): {
  app: FastifyInstance;
  admin: FastifyInstance;
} {
  const app = createServer({ service: 'gateway', logLevel: options.logLevel, healthRoutes: false });
  const admin = createServer({
    service: 'gateway-admin',
    logLevel: options.logLevel,
    observability: app.observability,
    requestMetrics: false,
  });
  return { app, admin };
}
