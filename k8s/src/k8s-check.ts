// `npm run k8s:check`: every overlay renders, every object is valid per the Kubernetes
// schemas and Fig's rules, and the generated cluster files are in sync with their sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRoutes } from './cluster-routes.ts';
import type { DeployableEnv } from './deployable-env.ts';
import { render } from './kustomize.ts';
import { ruleProblems } from './manifest-rules.ts';
import { paths } from './paths.ts';
import { schemaProblems } from './schema-validation.ts';

export interface OverlayReport {
  overlay: string;
  objects: number;
  problems: string[];
  notes: string[];
}

export function overlayDirs(root = paths.overlays): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, entry.name))
    .sort();
}

export async function checkOverlay(
  dir: string,
  context: { env?: Map<string, DeployableEnv> } = {},
): Promise<OverlayReport> {
  let rendered;
  try {
    rendered = render(dir, { secretExamples: true });
  } catch (error) {
    return { overlay: dir, objects: 0, problems: [(error as Error).message], notes: [] };
  }
  const problems: string[] = [];
  for (const manifest of rendered.manifests) {
    for (const problem of await schemaProblems(manifest)) {
      problems.push(`${manifest.kind} ${manifest.metadata.name}: ${problem}`);
    }
  }
  problems.push(...ruleProblems(rendered.manifests, context));
  return { overlay: dir, objects: rendered.manifests.length, problems, notes: rendered.notes };
}

/** Problems when a generated file in k8s/ no longer matches what its source generates. */
export function syncProblems(): string[] {
  const expected = clusterRoutes(readFileSync(paths.routes, 'utf8'));
  const actual = readFileSync(paths.clusterRoutes, 'utf8');
  return expected === actual ? [] : [`${paths.clusterRoutes} is stale: run npm run k8s:sync`];
}
