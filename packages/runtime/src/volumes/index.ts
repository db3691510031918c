// Volume and HostPathType are the spec model's (structurally the same); not re-exported here.
export type { VolumeObjects, KeyedData, DownwardFacts, ProjectedFile } from './types.js';
export { projectVolume, type Projection } from './projection.js';
export { fieldRefValue, resourceFieldRefValue } from './downward-api.js';
export { checkHostPath, createHostPath } from './host-path.js';
export { resolveSubPath } from './sub-path.js';

export {
  checkVolumes,
  prepareVolumes,
  releaseVolumes,
  volumesDir,
  type PreparedVolume,
} from './volume-manager.js';
