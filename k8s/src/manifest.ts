// A rendered Kubernetes object and the pieces of workloads that the renderer and the
// rules both need to walk: pod templates, containers and their ConfigMap/Secret references.

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name?: string; key?: string; optional?: boolean }>;
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
}

export interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  persistentVolumeClaim?: { claimName: string };
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function podTemplateOf(manifest: Manifest): PodTemplate | undefined {
  if (!workloadKinds.has(manifest.kind)) return undefined;
  return (manifest.spec as { template?: PodTemplate } | undefined)?.template;
}

export function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export type ReferenceKind = 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim';

/** A pod's reference to a ConfigMap, Secret or claim, with a way to point it at another name. */
export interface Reference {
  kind: ReferenceKind;
  name: string;
  /** The key the reference reads, when it reads one. */
  key?: string;
  /** `optional: true`: the pod starts without the key (the variable is then unset). */
  optional?: boolean;
  where: string;
  rename(name: string): void;
}

// Each volume source and the field that names what it mounts.
const volumeSources = [
  ['configMap', 'name', 'ConfigMap'],
  ['secret', 'secretName', 'Secret'],
  ['persistentVolumeClaim', 'claimName', 'PersistentVolumeClaim'],
] as const;

export function referencesOf(spec: PodSpec): Reference[] {
  const references: Reference[] = [];
  for (const volume of spec.volumes ?? []) {
    for (const [field, nameField, kind] of volumeSources) {
      const source = volume[field] as Record<string, string> | undefined;
      if (source) {
        references.push({
          kind,
          name: source[nameField],
          where: `volume ${volume.name}`,
          rename: (name) => (source[nameField] = name),
        });
      }
    }
  }
  for (const container of containersOf(spec)) {
    for (const source of container.envFrom ?? []) {
      for (const [field, kind] of [
        ['configMapRef', 'ConfigMap'],
        ['secretRef', 'Secret'],
      ] as const) {
        const ref = source[field];
        if (ref) {
          references.push({
            kind,
            name: ref.name,
            where: `container ${container.name} envFrom`,
            rename: (name) => (ref.name = name),
          });
        }
      }
    }
    for (const variable of container.env ?? []) {
      for (const [field, kind] of [
        ['configMapKeyRef', 'ConfigMap'],
        ['secretKeyRef', 'Secret'],
      ] as const) {
        const ref = variable.valueFrom?.[field];
        if (ref?.name) {
          references.push({
            kind,
            name: ref.name,
            key: ref.key,
            optional: ref.optional === true,
            where: `container ${container.name} env ${variable.name}`,
            rename: (name) => (ref.name = name),
          });
        }
      }
    }
  }
  return references;
}
