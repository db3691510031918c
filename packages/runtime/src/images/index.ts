/** The local image store (host and rootfs images) and container root filesystems. */
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
