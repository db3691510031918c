/** Runs containers by holding a foreground `runc run` each. */
export {
  runContainer,
  writeBundleConfig,
  type ContainerExit,
  type ContainerHandle,
  type RunContainerOptions,
} from './run-container.js';
