/** @podkit/runtime — the local kubelet. */
export * from './spec/index.js';
export { RuntimeErrorCode } from './errors.js';
