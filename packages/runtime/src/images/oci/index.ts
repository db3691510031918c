/** OCI images: the content store, layer unpacking, import, load, and layout/archive writers. */
export {
  assertDigest,
  blobPath,
  blobsDir,
  hasBlob,
  openBlob,
  putBlob,
  putBlobBytes,
  putBlobComputed,
  readBlob,
  readBlobJson,
  type BlobDescriptor,
  type PutBlobOptions,
} from './blob-store.js';
export { DEFAULT_PLATFORM, selectPlatform } from './platform.js';
export { MEDIA_TYPES, isIndexMediaType, isManifestMediaType } from './media-types.js';
export {
  importImage,
  imageConfigFromOci,
  layerPath,
  layersDir,
  type ImportImageInput,
} from './import-image.js';
export {
  DEFAULT_UNPACK_LIMITS,
  unpackLayer,
  type UnpackLayerOptions,
  type UnpackLimits,
  type UnpackResult,
} from './unpack-layer.js';
export {
  tarDirectory,
  writeDockerArchive,
  writeImageBlobs,
  writeImageIndexBlob,
  writeLayerBlob,
  writeOciLayout,
  type BuiltImage,
  type Descriptor,
  type DockerArchiveImage,
  type ImageConfigInput,
  type ImageInput,
  type LayerCompression,
  type LayerInput,
  type LayoutEntry,
  type LayoutResult,
  type Platform,
  type TarEntryInput,
} from './layout-writer.js';
export { loadImageArchive, type LoadImageOptions, type LoadedImage } from './load-archive.js';
export { pruneImageStore, type PruneResult } from './prune.js';
export { activeImageWrites, beginImageWrite, type ImageWrite } from './store-activity.js';
