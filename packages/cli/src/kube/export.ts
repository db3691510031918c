import {
  childPath,
  indexPath,
  sortDiagnostics,
  type Diagnostic,
  type JsonObject,
  type JsonValue,
  type ParsedDocument,
} from '@podkit/runtime/spec';
import {
  isPublishedPatternImage,
  normalisedOrSelf,
  shortName,
  type ImageMap,
} from './image-map.js';

/** What `--as` turns each pod (or workload) into; undefined keeps every object's kind. */
export type ExportKind = 'pod' | 'deployment' | 'job';

export interface ExportOptions {
  as?: ExportKind | undefined;
  images: ImageMap;
  /** Keep `hostPort`/`hostIP` (default: removed, see below). */
  keepHostPorts?: boolean;
  /** Keep `hostPath` volumes (default: each becomes an `emptyDir`). */
  keepHostPaths?: boolean;
  /**
   * Images this machine defines itself (normalised name → `host` or `rootfs`), from the state
   * root's store when it is readable: a container still naming one after the image map gets
   * a warning, since a cluster would pull that name from a registry.
   */
  localImages?: ReadonlyMap<string, string>;
}

export interface ExportResult {
  /** The objects as Kubernetes should receive them, in file order (Lists flattened). */
  objects: JsonObject[];
  /** One warning per change made, at the position of what changed in the source file. */
  changes: Diagnostic[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);
const KIND_OF: Readonly<Record<ExportKind, string>> = {
  pod: 'Pod',
  deployment: 'Deployment',
  job: 'Job',
};
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

/** A deep copy of an object (manifest values are plain JSON). */
const copy = (o: JsonObject): JsonObject => structuredClone(o);

/** A JSON value in a message: strings as they are, anything else as JSON. */
const show = (v: JsonValue | undefined): string =>
  typeof v === 'string' ? v : v === undefined ? 'undefined' : JSON.stringify(v);

class Changes {
  readonly list: Diagnostic[] = [];
  private readonly file: string;
  private readonly doc: ParsedDocument;

  constructor(file: string, doc: ParsedDocument) {
    this.file = file;
    this.doc = doc;
  }

  note(path: string, message: string, at: 'value' | 'key' = 'value'): void {
    const { line, column } = this.doc.positions.locate(path, at);
    this.list.push({
      severity: 'warning',
      code: 'kube-export',
      file: this.file,
      line,
      column,
      path,
      message,
    });
  }
}

/**
 * Turns the documents of a valid podkit manifest into what a cluster should be given:
 *
 * - image names through the image map (local names → registry names);
 * - local-only settings removed, because on a cluster they pin a pod to one node's disk or
 *   ports and the Pod Security Standard "baseline" forbids both: `hostPort`/`hostIP` (podkit
 *   uses them to reach a pod from this machine; a cluster uses a Service), `hostPath`
 *   volumes (files of this machine; they become `emptyDir`), `imagePullPolicy: Never` (podkit
 *   resolves images locally; a node pulls them) and `status`;
 * - with `as`, each pod or workload re-wrapped as a Pod, Deployment or Job (pod template,
 *   labels and selector), restartPolicy adjusted where the new kind requires it.
 *
 * Everything else — native sidecars (initContainers with `restartPolicy: Always`), probes,
 * ConfigMaps, Secrets — is kept as written. The caller has validated the documents with the
 * spec model first (`parseManifests`), so shapes are trusted here.
 */
export function exportManifests(
  documents: readonly ParsedDocument[],
  file: string,
  options: ExportOptions,
): ExportResult {
  const objects: JsonObject[] = [];
  const changes: Diagnostic[] = [];
  for (const doc of documents) {
    const c = new Changes(file, doc);
    const value = doc.value;
    if (!isObject(value)) continue;
    if (value.kind === 'List' && Array.isArray(value.items)) {
      c.note('kind', 'List flattened into one document per item');
      value.items.forEach((item, i) => {
        if (isObject(item)) objects.push(...exportObject(item, indexPath('items', i), options, c));
      });
    } else {
      objects.push(...exportObject(value, '', options, c));
    }
    changes.push(...sortDiagnostics(c.list));
  }
  return { objects, changes };
}

function exportObject(
  source: JsonObject,
  path: string,
  options: ExportOptions,
  c: Changes,
): JsonObject[] {
  const object = copy(source);
  const kind = show(object.kind);
  if (object.status !== undefined) {
    delete object.status;
    c.note(childPath(path, 'status'), 'status removed (the cluster sets it)', 'key');
  }
  if (kind !== 'Pod' && !WORKLOAD_KINDS.has(kind)) return [object]; // ConfigMap, Secret
  const target = options.as === undefined ? kind : KIND_OF[options.as];
  const specPath =
    kind === 'Pod' ? childPath(path, 'spec') : `${childPath(path, 'spec')}.template.spec`;
  const podSpec = kind === 'Pod' ? object.spec : templateOf(object).spec;
  if (!isObject(podSpec)) return [object];
  exportPodSpec(podSpec, specPath, target, options, c);
  if (target === kind) return [object];
  return [rewrap(object, kind, target, podSpec, path, c)];
}

/** The pod template of a workload (`spec.template`), as an object. */
function templateOf(workload: JsonObject): JsonObject {
  const spec = isObject(workload.spec) ? workload.spec : {};
  return isObject(spec.template) ? spec.template : {};
}

function stringMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** A pod or workload as another kind, from its pod metadata and (already exported) spec. */
function rewrap(
  object: JsonObject,
  kind: string,
  target: string,
  podSpec: JsonObject,
  path: string,
  c: Changes,
): JsonObject {
  const meta = isObject(object.metadata) ? object.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : 'pod';
  const podMeta = kind === 'Pod' ? meta : (templateOf(object).metadata ?? {});
  const labels = stringMap(isObject(podMeta) ? podMeta.labels : undefined);
  const annotations = stringMap(isObject(podMeta) ? podMeta.annotations : undefined);
  const at = childPath(path, 'kind');
  const what = `${kind} ${name} exported as a ${target}`;
  const objectMeta = (extra: Record<string, string>): JsonObject => ({
    name,
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    ...(Object.keys(extra).length > 0 ? { labels: extra } : {}),
  });
  if (target === 'Pod') {
    c.note(at, `${what} (the controller's own fields are dropped)`);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...objectMeta(labels),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: podSpec,
    };
  }
  const workloadLabels = kind === 'Pod' ? labels : stringMap(meta.labels);
  const template: JsonObject = {
    metadata: {
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: podSpec,
  };
  if (target === 'Job') {
    if (Object.keys(labels).length === 0) delete (template.metadata as JsonObject).labels;
    c.note(at, `${what} (the Job controller labels and selects its pod itself)`);
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: objectMeta(workloadLabels),
      spec: { template },
    };
  }
  // Deployment: the selector must match the template's labels and never changes after
  // creation, so it takes the conventional name label when there is one, not every label.
  const selector = selectorFor(labels);
  if (selector === undefined) {
    (template.metadata as JsonObject).labels = { app: name };
    c.note(at, `${what}; the pod has no labels: added app=${name} for its selector`);
  } else {
    c.note(at, `${what}, 1 replica, selecting ${formatLabels(selector)}`);
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(
      Object.keys(workloadLabels).length > 0 ? workloadLabels : (selector ?? { app: name }),
    ),
    spec: {
      replicas: 1,
      selector: { matchLabels: selector ?? { app: name } },
      template,
    },
  };
}

function selectorFor(labels: Record<string, string>): Record<string, string> | undefined {
  for (const key of ['app.kubernetes.io/name', 'app']) {
    const value = labels[key];
    if (value !== undefined) return { [key]: value };
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

const formatLabels = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function exportPodSpec(
  spec: JsonObject,
  path: string,
  target: string,
  options: ExportOptions,
  c: Changes,
): void {
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, i) => {
      if (isObject(container)) {
        exportContainer(container, indexPath(childPath(path, list), i), options, c);
      }
    });
  }
  if (options.keepHostPaths !== true && Array.isArray(spec.volumes)) {
    spec.volumes.forEach((volume, i) => {
      if (!isObject(volume) || !isObject(volume.hostPath)) return;
      const hostPath = volume.hostPath.path;
      delete volume.hostPath;
      volume.emptyDir = {};
      c.note(
        `${indexPath(childPath(path, 'volumes'), i)}.hostPath`,
        `hostPath ${show(hostPath)} (a path on this machine) replaced by an emptyDir; on a cluster provide the data another way (a PersistentVolumeClaim, an init container, git-sync from a URL), or pass --keep-host-paths`,
        'key',
      );
    });
  }
  const restart = spec.restartPolicy;
  if (target === 'Deployment' && (restart === 'Never' || restart === 'OnFailure')) {
    spec.restartPolicy = 'Always';
    c.note(
      childPath(path, 'restartPolicy'),
      `restartPolicy ${restart} → Always (a Deployment's pods always restart)`,
    );
  }
  if (target === 'Job' && restart !== 'Never' && restart !== 'OnFailure') {
    spec.restartPolicy = 'OnFailure';
    c.note(
      restart === undefined ? path : childPath(path, 'restartPolicy'),
      `restartPolicy ${typeof restart === 'string' ? restart : 'Always (the default)'} → OnFailure (a Job's pod must be Never or OnFailure)`,
    );
  }
}

function exportContainer(
  container: JsonObject,
  path: string,
  options: ExportOptions,
  c: Changes,
): void {
  if (typeof container.image === 'string') {
    const mapped = options.images.lookup(container.image);
    if (mapped !== undefined) {
      c.note(
        childPath(path, 'image'),
        `image ${shortName(container.image)} → ${mapped.to} (${mapped.source})`,
      );
      container.image = mapped.to;
    } else {
      const kind = options.localImages?.get(normalisedOrSelf(container.image));
      if (kind !== undefined && !isPublishedPatternImage(container.image)) {
        c.note(
          childPath(path, 'image'),
          `image ${shortName(container.image)} is a ${kind} image on this machine; a cluster pulls it from its registry: push an image of it there, or map it with --image ${shortName(container.image)}=REGISTRY/NAME:TAG`,
        );
      }
    }
  }
  if (container.imagePullPolicy === 'Never') {
    delete container.imagePullPolicy;
    c.note(
      childPath(path, 'imagePullPolicy'),
      'imagePullPolicy Never removed (a node pulls the image from its registry)',
      'key',
    );
  }
  if (options.keepHostPorts === true || !Array.isArray(container.ports)) return;
  container.ports.forEach((port, j) => {
    if (!isObject(port) || (port.hostPort === undefined && port.hostIP === undefined)) return;
    const portPath = indexPath(childPath(path, 'ports'), j);
    const hostPort = port.hostPort;
    const hostIP = port.hostIP;
    delete port.hostPort;
    delete port.hostIP;
    const what = [
      ...(hostPort === undefined ? [] : [`hostPort ${show(hostPort)}`]),
      ...(hostIP === undefined ? [] : [`hostIP ${show(hostIP)}`]),
    ].join(' and ');
    c.note(
      childPath(portPath, hostPort === undefined ? 'hostIP' : 'hostPort'),
      `${what} removed (podkit's way in from this machine; on a cluster use a Service, or pass --keep-host-ports)`,
      'key',
    );
  });
}
