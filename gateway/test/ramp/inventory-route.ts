import { type CompiledRoute, parseRules } from '@fig/routing-rules';

/**
 * The `inventory` route (path /api/inventory, served by the inventory service, the monolith
 * beside it) compiled from the rest of its YAML: `settings` are its further lines (from a new
 * line, indented as keys of the route). Throws with the problems if they do not compile, so a
 * fixture cannot be silently wrong.
 */
export function inventoryRoute(settings: string): CompiledRoute {
  const compiled = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory${settings}`);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.rules.byName.get('inventory')!;
}
