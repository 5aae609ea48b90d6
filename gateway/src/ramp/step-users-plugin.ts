import fp from 'fastify-plugin';
import type { StepUsers } from './step-users.ts';

/**
 * Counts each answered request's user on the side the split chose for it (a fallback to the
 * monolith still counts as the service's), for the ramps' split check. Requests that forced
 * a backend are left out: the split did not choose for them.
 */
export const stepUsersPlugin = fp<{ users: StepUsers }>(
  async (app, { users }) => {
    // A callback hook: it runs on every request, and a promise each is measurable.
    app.addHook('onResponse', (request, _reply, done) => {
      const backend = request.fig?.backend;
      if (backend && !backend.forced) {
        const { route, subject, clientIp } = request.fig;
        users.note(route, backend.fallback ? 'service' : backend.side, {
          subject,
          ip: clientIp,
          headers: request.headers,
        });
      }
      done();
    });
  },
  { name: 'fig-step-users', dependencies: ['fig-proxy'] },
);
