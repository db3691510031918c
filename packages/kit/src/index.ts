/** @podkit/kit — building blocks every pattern container shares. */
export { PodkitError, isPodkitError } from './errors.js';
