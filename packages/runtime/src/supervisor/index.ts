/** Runs containers under conmon (runc create, then start). */
export {
  createContainer,
  runContainer,
  writeBundleConfig,
  type ContainerExit,
  type ContainerHandle,
  type CreatedContainer,
  type RunContainerOptions,
} from './run-container.js';
