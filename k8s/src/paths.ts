import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Files the checks read, from the repository root. */
export const paths = {
  root,
  routes: join(root, 'routing-rules/routes.yaml'),
  clusterRoutes: join(root, 'k8s/base/routes.yaml'),
  overlays: join(root, 'k8s/overlays'),
  compose: join(root, 'docker-compose.yml'),
  dockerfile: join(root, 'Dockerfile'),
  rootPackage: join(root, 'package.json'),
};
