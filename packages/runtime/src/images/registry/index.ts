/** The registry client (OCI distribution API) and `pullImage`. */
export { authFileCandidates, findCredentials, type Credentials } from './auth-file.js';
export { parseChallenges, type Challenge } from './challenge.js';
export {
  parseReference,
  manifestReference,
  repositoryName,
  type ImageReference,
} from './reference.js';
export {
  DEFAULT_RETRY,
  MANIFEST_ACCEPT,
  RegistryClient,
  type FetchedManifest,
  type RegistryClientOptions,
  type RetryPolicy,
} from './registry-client.js';
export {
  DEFAULT_CERTS_DIR,
  extraCaCerts,
  isInsecure,
  loadRegistrySettings,
  registriesFile,
  type RegistrySettings,
} from './registry-settings.js';
export { pullImage, type PullEvent, type PullOptions, type PullResult } from './pull-image.js';
