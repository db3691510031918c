/** Media types of the OCI image spec and of Docker's v2 schema 2 (which registries still serve). */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** True for an index / manifest list media type. */
export const isIndexMediaType = (m: string | undefined): boolean =>
  m === MEDIA_TYPES.ociIndex || m === MEDIA_TYPES.dockerManifestList;

/** True for an image manifest media type. */
export const isManifestMediaType = (m: string | undefined): boolean =>
  m === MEDIA_TYPES.ociManifest || m === MEDIA_TYPES.dockerManifest;
