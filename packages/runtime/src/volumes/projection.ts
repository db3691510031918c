import { fieldRefValue, resourceFieldRefValue } from './downward-api.js';
import type {
  DownwardAPIVolumeFile,
  DownwardFacts,
  KeyToPath,
  KeyedData,
  ProjectedFile,
  Volume,
  VolumeObjects,
} from './types.js';

/** The files a volume will hold, and every reason it cannot be had (for admission). */
export interface Projection {
  files: ProjectedFile[];
  problems: string[];
}

function keyedFiles(
  kind: 'configMap' | 'secret',
  name: string,
  data: KeyedData | undefined,
  items: readonly KeyToPath[] | undefined,
  optional: boolean,
  mode: number,
  out: Projection,
): void {
  if (data === undefined) {
    if (!optional) out.problems.push(`${kind} "${name}" not found in the manifest set`);
    return;
  }
  if (items === undefined || items.length === 0) {
    for (const [key, value] of [...data.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      out.files.push({ path: key, data: value, mode });
    }
    return;
  }
  for (const item of items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (!optional) out.problems.push(`${kind} "${name}" has no key "${item.key}"`);
      continue;
    }
    out.files.push({ path: item.path, data: value, mode: item.mode ?? mode });
  }
}

function downwardFiles(
  items: readonly DownwardAPIVolumeFile[] | undefined,
  facts: DownwardFacts | undefined,
  mode: number,
  out: Projection,
): void {
  for (const item of items ?? []) {
    // Admission runs before the pod has an IP: values are computed again when the volume is
    // written, so an unknown fact here is not a problem.
    if (facts === undefined) continue;
    const value =
      item.fieldRef !== undefined
        ? fieldRefValue(item.fieldRef, facts)
        : item.resourceFieldRef !== undefined
          ? resourceFieldRefValue(item.resourceFieldRef, facts)
          : undefined;
    if (value === undefined) {
      out.problems.push(`downwardAPI item "${item.path}" refers to a field podkit cannot supply`);
      continue;
    }
    out.files.push({ path: item.path, data: Buffer.from(value), mode: item.mode ?? mode });
  }
}

/**
 * Only the downward API files of a volume (a downwardAPI volume, or the downwardAPI sources of
 * a projected one), with the modes projectVolume gives them: what changes when the pod's
 * labels or annotations do. Items podkit cannot supply are left out (admission refused them).
 */
export function downwardProjection(volume: Volume, facts: DownwardFacts): ProjectedFile[] {
  const out: Projection = { files: [], problems: [] };
  if (volume.downwardAPI !== undefined)
    downwardFiles(volume.downwardAPI.items, facts, volume.downwardAPI.defaultMode, out);
  else if (volume.projected !== undefined)
    for (const source of volume.projected.sources)
      if (source.downwardAPI !== undefined)
        downwardFiles(source.downwardAPI.items, facts, volume.projected.defaultMode, out);
  return out.files;
}

/**
 * The files of a configMap, secret, downwardAPI or projected volume (empty for other kinds),
 * following Kubernetes: all keys unless `items` selects some, per-item mode over defaultMode,
 * optional sources may be missing. `facts` may be omitted at admission time.
 */
export function projectVolume(
  volume: Volume,
  objects: VolumeObjects,
  facts?: DownwardFacts,
): Projection {
  const out: Projection = { files: [], problems: [] };
  if (volume.configMap !== undefined) {
    const src = volume.configMap;
    const mode = src.defaultMode;
    keyedFiles(
      'configMap',
      src.name,
      objects.configMaps.get(src.name),
      src.items,
      src.optional,
      mode,
      out,
    );
  } else if (volume.secret !== undefined) {
    const src = volume.secret;
    const mode = src.defaultMode;
    keyedFiles(
      'secret',
      src.secretName,
      objects.secrets.get(src.secretName),
      src.items,
      src.optional,
      mode,
      out,
    );
  } else if (volume.downwardAPI !== undefined) {
    downwardFiles(volume.downwardAPI.items, facts, volume.downwardAPI.defaultMode, out);
  } else if (volume.projected !== undefined) {
    const mode = volume.projected.defaultMode;
    for (const source of volume.projected.sources) {
      if (source.configMap !== undefined) {
        const c = source.configMap;
        keyedFiles(
          'configMap',
          c.name,
          objects.configMaps.get(c.name),
          c.items,
          c.optional,
          mode,
          out,
        );
      } else if (source.secret !== undefined) {
        const s = source.secret;
        keyedFiles('secret', s.name, objects.secrets.get(s.name), s.items, s.optional, mode, out);
      } else if (source.downwardAPI !== undefined) {
        downwardFiles(source.downwardAPI.items, facts, mode, out);
      }
    }
  }
  out.problems = out.problems.map((p) => `volume "${volume.name}": ${p}`);
  return out;
}
