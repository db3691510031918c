/**
 * `@podkit/runtime/images`: image loads, pulls, builds and OCI layouts — what `podkit image …`
 * does. Apart from the main entry so that other commands do not load tar, zstd and registry code.
 */
export { loadImageArchive } from './oci/load-archive.js';
export { pruneImageStore } from './oci/prune.js';
export { tarDirectory, writeOciLayout } from './oci/layout-writer.js';
export { pullImage, type PullEvent } from './registry/pull-image.js';
export { loadRegistrySettings } from './registry/registry-settings.js';
export { buildNodeImage } from './build/node-image.js';
export { finalStageConfig, parseContainerfile } from './build/containerfile.js';
