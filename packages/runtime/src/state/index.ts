/** The state root: layout, atomic writes, lock files. */
export {
  DEFAULT_STATE_ROOT,
  checkPathSegment,
  ensureStateLayout,
  resolveStateRoot,
  stateLayout,
  type StateLayout,
} from './state-root.js';
export { readJsonFile, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { acquireLock, type AcquireLockOptions, type FileLock } from './lock.js';
export { isProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';
