import type { CompiledRoute } from '@fig/routing-rules';
import fp from 'fastify-plugin';
import type { RulesSource } from '../rules-source.ts';
import type { UpstreamBreakers } from '../upstreams/breakers.ts';
import type { UpstreamPools } from '../upstreams/pools.ts';

function routeView(route: CompiledRoute) {
  const { threshold: _threshold, implicit: _implicit, ...view } = route;
  return view;
}

/** `GET /rules`: what the gateway is doing now — active rules, last reload, breakers, pools. */
export const adminRulesPlugin = fp<{ rules: RulesSource; breakers: UpstreamBreakers; pools: UpstreamPools }>(
  async (app, { rules, breakers, pools }) => {
    app.get('/rules', async () => {
      const active = rules.current();
      return {
        version: active.version,
        source: active.source,
        loadedAt: rules.loadedAt,
        lastReload: rules.lastReload() ?? null,
        defaults: active.defaults,
        upstreams: Object.fromEntries(
          [...active.upstreams].map(([name, { name: _name, ...upstream }]) => [name, upstream]),
        ),
        routes: active.routes.map(routeView),
        breakers: breakers.states(),
        pools: pools.stats(),
      };
    });
  },
  { name: 'fig-admin-rules' },
);
