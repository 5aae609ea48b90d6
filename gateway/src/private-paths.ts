// `/internal/*` is how the monolith and the services talk among themselves (order recording,
// key rotation). It is reachable only inside the cluster: the edge never forwards it, whatever
// the routes say. Compared without case because some upstream routers ignore it.
const privatePrefix = '/internal';

/** Whether a normalised path belongs to the backends' private surface. */
export function isPrivatePath(path: string): boolean {
  if (path.length < privatePrefix.length) return false;
  if (path.slice(0, privatePrefix.length).toLowerCase() !== privatePrefix) return false;
  return path.length === privatePrefix.length || path[privatePrefix.length] === '/';
}
