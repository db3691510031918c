/** @podkit/runtime — the local kubelet. */
export * from './spec/index.js';
export { RuntimeErrorCode } from './errors.js';
export * from './host/index.js';
export * from './state/index.js';
export * from './runc/index.js';
export * from './network/index.js';
export * from './sandbox/index.js';
