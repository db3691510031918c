/** @podkit/runtime — the local kubelet. */
export * from './spec/index.js';
export { RuntimeErrorCode } from './errors.js';
export * from './host/index.js';
export * from './state/index.js';
export * from './runc/index.js';
export * from './network/index.js';
export * from './sandbox/index.js';
export * from './pod/index.js';
export * from './volumes/index.js';
export {
  addImage,
  getImage,
  listImages,
  removeImage,
  resolveImage,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
} from './images/image-store.js';
export { normaliseImageName, familiarImageName } from './images/image-name.js';
export { readLogs, type LogEntry, type ReadLogsOptions } from './logs/cri-log-reader.js';
export * from './oci/index.js';
export * from './images/index.js';
export * from './logs/index.js';
export * from './supervisor/index.js';
export { traceMark, tracing } from './trace.js';
export {
  NodeRuntime,
  type ApplyInput,
  type NodeRuntimeOptions,
  type PodChange,
  type RemoveOptions,
} from './node/node-runtime.js';
export { containerEnded } from './node/container-log.js';
export {
  serializeObjects,
  deserializeObjects,
  type SerializedObjects,
} from './pod/serialized-objects.js';
