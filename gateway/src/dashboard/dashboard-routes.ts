import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { CompiledRules } from '@fig/routing-rules';
import type { FastifyPluginAsync } from 'fastify';
import { sendGatewayError } from '../errors.ts';
import type { Shadowing } from '../shadow/plugin/shadowing.ts';
import { comparisonsReport } from './comparisons-report.ts';
import type { EventLog } from './event-log.ts';

const require = createRequire(import.meta.url);
const publicFile = (name: string) => new URL(`./public/${name}`, import.meta.url);

const script = 'text/javascript; charset=utf-8';
// Served from the installed packages: the admin port must work on machines without internet.
const assets: Record<string, { file: URL | string; type: string }> = {
  'dashboard.js': { file: publicFile('dashboard.js'), type: script },
  'ramps.js': { file: publicFile('ramps.js'), type: script },
  'dashboard.css': { file: publicFile('dashboard.css'), type: 'text/css; charset=utf-8' },
  // The packages' own ES module builds, as the page's import map names them.
  'htm.js': { file: new URL(import.meta.resolve('htm')), type: script },
  'htm-preact.js': { file: new URL(import.meta.resolve('htm/preact')), type: script },
  'preact.js': { file: new URL(import.meta.resolve('preact')), type: script },
  'preact-hooks.js': { file: new URL(import.meta.resolve('preact/hooks')), type: script },
  'uplot.js': { file: require.resolve('uplot/dist/uPlot.esm.js'), type: script },
  'uplot.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/**
 * Admin routes for migration insight: `GET /comparisons` (the JSON the dashboard polls),
 * `DELETE /comparisons/:route` (start a route's evidence afresh, e.g. after a fix), and the
 * `GET /dashboard` page with its assets.
 */
export const dashboardRoutes: FastifyPluginAsync<{
  shadowing: Shadowing;
  events: EventLog;
  /** The active rules: the report lists their routes. */
  rules: () => CompiledRules;
  /** TRACE_URL_TEMPLATE: examples link to their traces. */
  traceUrlTemplate?: string;
}> = async (app, { shadowing, events, rules, traceUrlTemplate }) => {
  const quiet = { logLevel: 'warn' as const };
  app.get('/comparisons', quiet, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return comparisonsReport(shadowing, rules(), events, traceUrlTemplate);
  });
  app.delete<{ Params: { route: string } }>(
    '/comparisons/:route',
    { schema: { params: { type: 'object', properties: { route: { type: 'string', minLength: 1 } } } } },
    async (request, reply) => {
      await shadowing.reset(request.params.route);
      return reply.code(204).send();
    },
  );
  const page = await readFile(publicFile('dashboard.html'));
  app.get('/dashboard', quiet, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { asset: string } }>('/dashboard/assets/:asset', quiet, async (request, reply) => {
    const asset = Object.hasOwn(assets, request.params.asset) ? assets[request.params.asset] : undefined;
    if (!asset)
      return sendGatewayError(request, reply, {
        code: 'NOT_FOUND',
        message: 'no such asset',
        statusCode: 404,
      });
    return reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=300')
      .send(await readFile(asset.file));
  });
};
