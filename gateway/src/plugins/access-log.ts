import fp from 'fastify-plugin';

/**
 * One access line per request at `info`, written once the answer is out, with what an
 * operator asks first: route, backend and status. It replaces Fastify's two lines
 * ("incoming request" and "request completed"): each line is serialised and written on the
 * event loop, and at full load logging is a measurable share of the edge's CPU per request
 * (bench/README.md). LOG_LEVEL=warn (or above) turns it off.
 */
export const accessLogPlugin = fp(
  async (app) => {
    if (!['trace', 'debug', 'info'].includes(app.log.level)) return;
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          route: request.fig?.route.name,
          backend: request.fig?.backend?.upstream ?? 'gateway',
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
      done();
    });
  },
  { name: 'fig-access-log' },
);
