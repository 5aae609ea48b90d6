// Renders an overlay and checks every object against the Kubernetes schemas and Fig's rules.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
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
