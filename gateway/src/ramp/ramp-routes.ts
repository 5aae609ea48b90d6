import type { CompiledRules } from '@fig/routing-rules';
import type { FastifyPluginAsync } from 'fastify';
import { RampActionConflict, RampNotFound, RampStateUnavailable, sendGatewayError } from '../errors.ts';
import { NoRamp, type RampController, RampStoreUnavailable } from './ramp-controller.ts';
import { RampActionRefused } from './ramp-machine.ts';
import { rampsReport } from './ramp-report.ts';

/**
 * Admin: `GET /ramps` (every ramp: plan, state, effective share, evidence per gate, decision
 * log) and `POST /ramps/:route/approve | pause | resume | abort`. Behind the admin port's
 * token like the rest of it.
 */
export const rampRoutes: FastifyPluginAsync<{ ramps: RampController; rules: () => CompiledRules }> = async (
  app,
  { ramps, rules },
) => {
  app.get('/ramps', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return rampsReport(rules(), ramps.states(), ramps.storeKind, ramps.leader, Date.now());
  });
  app.post<{ Params: { route: string; action: 'approve' | 'pause' | 'resume' | 'abort' } }>(
    '/ramps/:route/:action',
    {
      schema: {
        params: {
          type: 'object',
          required: ['route', 'action'],
          properties: {
            route: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
            action: { enum: ['approve', 'pause', 'resume', 'abort'] },
          },
        },
      },
    },
    async (request, reply) => {
      const { route, action } = request.params;
      try {
        const state = await ramps.act(route, action);
        const report = rampsReport(
          rules(),
          new Map([[route, state]]),
          ramps.storeKind,
          ramps.leader,
          Date.now(),
        );
        return report.ramps.find((ramp) => ramp.route === route);
      } catch (error) {
        if (error instanceof NoRamp) return sendGatewayError(request, reply, new RampNotFound(route));
        if (error instanceof RampActionRefused)
          return sendGatewayError(request, reply, new RampActionConflict(error.message));
        if (error instanceof RampStoreUnavailable) {
          reply.header('retry-after', '5');
          return sendGatewayError(request, reply, new RampStateUnavailable());
        }
        throw error;
      }
    },
  );
};
