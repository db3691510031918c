/** The local image store (host, rootfs and OCI images) and container root filesystems. */
export { normaliseImageName, familiarImageName } from './image-name.js';
export {
  addImage,
  getImage,
  listImages,
  removeImage,
  resolveImage,
  type AddImageInput,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
} from './image-store.js';
export {
  imageLowerDirs,
  mountRootfs,
  unmountRootfs,
  type MountRootfsOptions,
  type RootfsMount,
} from './rootfs-mount.js';
export { DEFAULT_HOST_HIDDEN_PATHS, hostImageIsolation, type HostIsolation } from './host-image.js';
export * from './oci/index.js';
export * from './registry/index.js';
export {
  finalStageConfig,
  parseContainerfile,
  parseKeyValues,
  type Containerfile,
  type ContainerfileConfig,
  type Instruction,
  type Stage,
} from './build/containerfile.js';
export {
  buildNodeImage,
  type BuildNodeImageOptions,
  type BuildNodeImageResult,
} from './build/node-image.js';
