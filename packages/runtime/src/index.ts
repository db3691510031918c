/** @podkit/runtime — the local kubelet. */
export * from './spec/index.js';
