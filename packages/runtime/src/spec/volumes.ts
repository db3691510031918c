import { checkDns1123Label, checkDns1123Subdomain } from './names.js';
import { tryParseQuantity } from './quantity.js';
import type { Fields } from './reader.js';
import {
  checkVolumeFilePath,
  readFieldRef,
  readKeyToPath,
  readMode,
  readResourceFieldRef,
  VOLUME_FIELD_PATHS,
} from './selectors.js';
import type {
  DownwardAPIVolumeFile,
  HostPathType,
  KeyToPath,
  Volume,
  VolumeProjection,
} from './types.js';

const SUPPORTED_SOURCES = [
  'emptyDir',
  'hostPath',
  'configMap',
  'secret',
  'downwardAPI',
  'projected',
  'persistentVolumeClaim',
] as const;

// Real volume sources of core/v1 that podkit does not implement.
const UNSUPPORTED_SOURCES = [
  'ephemeral',
  'csi',
  'nfs',
  'image',
  'gitRepo',
  'iscsi',
  'rbd',
  'cephfs',
  'cinder',
  'fc',
  'flexVolume',
  'flocker',
  'glusterfs',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

const HOST_PATH_TYPES: readonly HostPathType[] = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

/** Kubernetes' default file mode for configMap/secret/downwardAPI/projected files (0644). */
export const DEFAULT_VOLUME_MODE = 0o644;

/** Reads one `spec.volumes[]` entry; `containerNames` serve resourceFieldRef checks. */
export function readVolume(f: Fields, containerNames: ReadonlySet<string>): Volume | undefined {
  const ctx = f.ctx;
  const name = f.string('name', { required: true });
  if (name !== undefined) {
    const bad = checkDns1123Label(name);
    if (bad !== undefined) ctx.error(f.at('name'), bad);
  }
  const present = [...SUPPORTED_SOURCES, ...UNSUPPORTED_SOURCES].filter((s) => f.has(s));
  for (const source of UNSUPPORTED_SOURCES) {
    f.unsupported(
      source,
      source === 'ephemeral'
        ? 'use a persistentVolumeClaim (or a StatefulSet volumeClaimTemplate) or an emptyDir'
        : undefined,
    );
  }
  if (present.length > 1) {
    ctx.error(
      f.at(present[1] ?? ''),
      `may not specify more than one volume source, got ${present.join(' and ')}`,
      'invalid-value',
      'key',
    );
  } else if (present.length === 0) {
    const nulled = SUPPORTED_SOURCES.find((s) => s in f.value);
    const hint =
      nulled === undefined
        ? ''
        : ` (${nulled} is empty/null; write "${nulled}: {}" for its defaults)`;
    ctx.error(
      f.path,
      `must specify exactly one volume source: ${SUPPORTED_SOURCES.join(', ')}${hint}`,
      'required',
    );
  }
  const volume: Volume = { name: name ?? '' };
  const emptyDir = f.object('emptyDir', (e) => {
    const medium = e.enumeration('medium', ['', 'Memory']);
    const sizeLimit = readSizeLimit(e);
    return { medium: medium ?? '', ...(sizeLimit !== undefined ? { sizeLimit } : {}) };
  });
  if (emptyDir !== undefined) volume.emptyDir = emptyDir;
  const hostPath = f.object('hostPath', (h) => {
    const path = h.string('path', { required: 'an absolute path on the host' });
    const type = h.enumeration('type', HOST_PATH_TYPES) ?? '';
    if (path === undefined) return undefined;
    if (!path.startsWith('/'))
      ctx.error(h.at('path'), `must be an absolute path, got ${JSON.stringify(path)}`);
    else if (path.split('/').includes('..'))
      ctx.error(h.at('path'), `must not contain '..', got ${JSON.stringify(path)}`);
    return { path, type };
  });
  if (hostPath !== undefined) volume.hostPath = hostPath;
  const configMap = f.object('configMap', (c) => {
    const cmName = readObjectName(c, 'name');
    const items = c.objectList('items', readKeyToPath) ?? [];
    const defaultMode = readMode(c, 'defaultMode') ?? DEFAULT_VOLUME_MODE;
    const optional = c.boolean('optional') ?? false;
    return { name: cmName ?? '', items, defaultMode, optional };
  });
  if (configMap !== undefined) volume.configMap = configMap;
  const secret = f.object('secret', (s) => {
    const secretName = readObjectName(s, 'secretName');
    const items = s.objectList('items', readKeyToPath) ?? [];
    const defaultMode = readMode(s, 'defaultMode') ?? DEFAULT_VOLUME_MODE;
    const optional = s.boolean('optional') ?? false;
    return { secretName: secretName ?? '', items, defaultMode, optional };
  });
  if (secret !== undefined) volume.secret = secret;
  const downwardAPI = f.object('downwardAPI', (d) => {
    const items = d.objectList('items', (i) => readDownwardFile(i, containerNames)) ?? [];
    const defaultMode = readMode(d, 'defaultMode') ?? DEFAULT_VOLUME_MODE;
    return { items, defaultMode };
  });
  if (downwardAPI !== undefined) volume.downwardAPI = downwardAPI;
  const projected = f.object('projected', (p) => {
    const sources = p.objectList('sources', (s) => readProjection(s, containerNames)) ?? [];
    const defaultMode = readMode(p, 'defaultMode') ?? DEFAULT_VOLUME_MODE;
    checkProjectedPaths(p, sources);
    return { sources, defaultMode };
  });
  if (projected !== undefined) volume.projected = projected;
  const claim = f.object('persistentVolumeClaim', (c) => {
    const claimName = readObjectName(c, 'claimName');
    const readOnly = c.boolean('readOnly') ?? false;
    return claimName === undefined ? undefined : { claimName, readOnly };
  });
  if (claim !== undefined) volume.persistentVolumeClaim = claim;
  return name === undefined ? undefined : volume;
}

function readSizeLimit(f: Fields): string | undefined {
  const raw = f.raw('sizeLimit');
  if (raw === undefined) return undefined;
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string') {
    f.ctx.error(f.at('sizeLimit'), 'expected a quantity such as 64Mi');
    return undefined;
  }
  const q = tryParseQuantity(text);
  if (q === undefined || q.numerator < 0n) {
    f.ctx.error(
      f.at('sizeLimit'),
      `must be a non-negative quantity such as 64Mi or 1Gi, got ${JSON.stringify(text)}`,
    );
    return undefined;
  }
  return text;
}

/** The name of a ConfigMap or Secret a volume/env refers to: required, a DNS subdomain. */
export function readObjectName(f: Fields, key: string): string | undefined {
  const name = f.string(key, { required: true });
  if (name === undefined) return undefined;
  const bad = checkDns1123Subdomain(name);
  if (bad !== undefined) {
    f.ctx.error(f.at(key), bad);
    return undefined;
  }
  return name;
}

function readDownwardFile(
  f: Fields,
  containerNames: ReadonlySet<string>,
): DownwardAPIVolumeFile | undefined {
  const path = f.string('path', { required: 'the file name to write' });
  const mode = readMode(f, 'mode');
  const fieldRef = f.object('fieldRef', (r) => readFieldRef(r, VOLUME_FIELD_PATHS));
  const resourceFieldRef = f.object('resourceFieldRef', (r) => {
    const ref = readResourceFieldRef(r, true);
    if (ref?.containerName !== undefined && !containerNames.has(ref.containerName)) {
      r.ctx.error(
        r.at('containerName'),
        `no container named ${JSON.stringify(ref.containerName)} in this pod`,
        'not-found',
      );
    }
    return ref;
  });
  const refs = ['fieldRef', 'resourceFieldRef'].filter((k) => f.has(k));
  if (refs.length !== 1) {
    f.ctx.error(
      f.path,
      refs.length === 0
        ? 'must specify exactly one of fieldRef, resourceFieldRef'
        : 'may not specify both fieldRef and resourceFieldRef',
      refs.length === 0 ? 'required' : 'invalid-value',
    );
  }
  if (path === undefined || !checkVolumeFilePath(f, 'path', path)) return undefined;
  return {
    path,
    ...(fieldRef !== undefined ? { fieldRef } : {}),
    ...(resourceFieldRef !== undefined ? { resourceFieldRef } : {}),
    ...(mode !== undefined ? { mode } : {}),
  };
}

function readProjection(
  f: Fields,
  containerNames: ReadonlySet<string>,
): VolumeProjection | undefined {
  f.unsupported('serviceAccountToken', 'there is no API server to issue tokens');
  f.unsupported('clusterTrustBundle');
  f.unsupported('podCertificate');
  const kinds = [
    'configMap',
    'secret',
    'downwardAPI',
    'serviceAccountToken',
    'clusterTrustBundle',
    'podCertificate',
  ];
  const present = kinds.filter((k) => f.has(k));
  if (present.length !== 1) {
    f.ctx.error(
      f.path,
      present.length === 0
        ? 'must specify exactly one of configMap, secret, downwardAPI'
        : `may not specify more than one projection, got ${present.join(' and ')}`,
      present.length === 0 ? 'required' : 'invalid-value',
    );
  }
  const projection: VolumeProjection = {};
  const readRef = (r: Fields): { name: string; items: KeyToPath[]; optional: boolean } => ({
    name: readObjectName(r, 'name') ?? '',
    items: r.objectList('items', readKeyToPath) ?? [],
    optional: r.boolean('optional') ?? false,
  });
  const configMap = f.object('configMap', readRef);
  if (configMap !== undefined) projection.configMap = configMap;
  const secret = f.object('secret', readRef);
  if (secret !== undefined) projection.secret = secret;
  const downwardAPI = f.object('downwardAPI', (d) => ({
    items: d.objectList('items', (i) => readDownwardFile(i, containerNames)) ?? [],
  }));
  if (downwardAPI !== undefined) projection.downwardAPI = downwardAPI;
  return present.length === 1 ? projection : undefined;
}

// Two projections writing the same file would race; Kubernetes rejects it.
function checkProjectedPaths(f: Fields, sources: VolumeProjection[]): void {
  const seen = new Set<string>();
  for (const source of sources) {
    const paths = [
      ...(source.configMap?.items ?? []),
      ...(source.secret?.items ?? []),
      ...(source.downwardAPI?.items ?? []),
    ].map((i) => i.path);
    for (const path of paths) {
      if (seen.has(path))
        f.ctx.error(
          f.at('sources'),
          `conflicting duplicate paths: ${JSON.stringify(path)}`,
          'duplicate',
        );
      seen.add(path);
    }
  }
}
