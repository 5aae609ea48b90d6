// npm run k8s:sync — regenerates the files in k8s/ that derive from the rest of the repo.
import { readFileSync, writeFileSync } from 'node:fs';
import { clusterRoutes } from '../cluster-routes.ts';
import { paths } from '../paths.ts';

writeFileSync(paths.clusterRoutes, clusterRoutes(readFileSync(paths.routes, 'utf8')));
console.log(`wrote ${paths.clusterRoutes}`);
