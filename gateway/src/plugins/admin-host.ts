import fp from 'fastify-plugin';
import { hostOf } from '../admin/host-names.ts';
import { AdminHostRefused, sendGatewayError } from '../errors.ts';

/**
 * Every admin request, the health probes included, must name one of the admin port's own
 * hosts in exactly one `Host` header (any port). A page that rebinds its DNS name to this
 * machine sends its own name, and gets 421 before any route or token is looked at.
 */
export const adminHostPlugin = fp<{ names: ReadonlySet<string> }>(
  async (app, { names }) => {
    app.addHook('onRequest', async (request, reply) => {
      const raw = request.raw.rawHeaders;
      let hosts = 0;
      for (let i = 0; i < raw.length; i += 2)
        if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts += 1;
      const host = hosts === 1 ? hostOf(request.headers.host) : undefined;
      if (host !== undefined && names.has(host)) return;
      return sendGatewayError(request, reply, new AdminHostRefused());
    });
  },
  { name: 'fig-admin-host' },
);
