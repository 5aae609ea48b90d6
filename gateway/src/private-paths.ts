// The backends' own surfaces, never the public API: `/internal/*` is how the monolith and the
// services talk among themselves (order recording, key rotation), `/graphql` is each one's
// federation subgraph (its `_entities` lookups read any user's data by key, for the BFFs),
// `/metrics` and `/health/*` are for the cluster's scrapers and probes. The edge never
// forwards them, whatever the routes say, including to the monolith as the strangler facade's
// default. Public GraphQL goes through the BFFs at routes of their own (`/web/graphql`).
// Compared without case because some upstream routers ignore it.
const privateSegments = new Set(['internal', 'graphql', 'metrics', 'health']);
const shortest = 'health'.length;
const longest = 'internal'.length;

/** Whether a normalised path belongs to a backend's private surface (its first segment). */
export function isPrivatePath(path: string): boolean {
  // One slice of a short first segment at most: this runs for every request.
  const end = path.indexOf('/', 1);
  const length = (end === -1 ? path.length : end) - 1;
  if (length < shortest || length > longest) return false;
  return privateSegments.has(path.slice(1, length + 1).toLowerCase());
}
