/**
 * Validation against the Kubernetes OpenAPI schema, as shipped by the `kubernetes-models`
 * package (4.5: the API of Kubernetes 1.33, compiled to ajv validators). The validators check
 * types, required fields and formats; like the OpenAPI document they come from, they do not
 * reject unknown fields (the API server does that with strict field validation) — podkit's
 * own spec model does, so a manifest checked by both has neither problem.
 */

/** One schema violation: a JSON pointer into the object and what is wrong there. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** The Kubernetes release whose schema `kubernetes-models` 4.5 ships. */
export const SCHEMA_RELEASE = '1.33';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

// Loaded on first use: each module pulls in only the validators of its kind.
const MODELS: Readonly<Record<string, () => Promise<ModelClass>>> = {
  'v1/Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'v1/Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'v1/PersistentVolumeClaim': async () =>
    (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim,
  'apps/v1/Deployment': async () =>
    (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'apps/v1/ReplicaSet': async () =>
    (await import('kubernetes-models/apps/v1/ReplicaSet')).ReplicaSet,
  'apps/v1/StatefulSet': async () =>
    (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet,
  'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet,
  'batch/v1/Job': async () => (await import('kubernetes-models/batch/v1/Job')).Job,
  // Kinds podkit reads but does not run (a warning on this machine, real on a cluster): a
  // file holding them exports whole, checked like the others.
  'v1/Namespace': async () => (await import('kubernetes-models/v1/Namespace')).Namespace,
  'v1/ServiceAccount': async () =>
    (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount,
  'networking.k8s.io/v1/Ingress': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress,
  'networking.k8s.io/v1/NetworkPolicy': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'))
      .HorizontalPodAutoscaler,
  'autoscaling/v1/HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v1/HorizontalPodAutoscaler'))
      .HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': async () =>
    (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': async () =>
    (await import('kubernetes-models/rbac.authorization.k8s.io/v1/Role')).Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': async () =>
    (await import('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding')).RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': async () =>
    (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': async () =>
    (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'))
      .ClusterRoleBinding,
};

/** The kinds this module can check, as `apiVersion/kind`. */
export const SCHEMA_KINDS = Object.keys(MODELS);

/**
 * Whether the object's `apiVersion/kind` has a schema here. Others (a custom resource, the
 * Gateway API) are for the cluster to check: `kube export` passes them through with a warning.
 */
export function hasSchema(object: { apiVersion?: unknown; kind?: unknown }): boolean {
  return MODELS[`${String(object.apiVersion)}/${String(object.kind)}`] !== undefined;
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The schema problems of one object (empty when it is valid). An object of a kind the
 * schema table does not hold is itself a problem, so nothing passes unchecked.
 *
 * @example
 *   await schemaProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: {} });
 *   // → [{ path: '/spec', message: 'must have required property containers' }]
 */
export async function schemaProblems(object: unknown): Promise<SchemaProblem[]> {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [{ path: '', message: 'not a Kubernetes object' }];
  }
  const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(apiVersion)}/${String(kind)}`;
  const load = MODELS[key];
  if (load === undefined) {
    return [{ path: '', message: `no schema for ${key} (known: ${SCHEMA_KINDS.join(', ')})` }];
  }
  const Model = await load();
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw err;
    return errors.map((e) => ({
      path: e.instancePath === undefined || e.instancePath === '' ? '/' : e.instancePath,
      message: e.message ?? 'invalid',
    }));
  }
}

/** `/spec/containers/0/name: must be string` lines for a message. */
export function formatSchemaProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
