/** @podkit/kit — building blocks every pattern container shares. */
export const KIT_VERSION = '0.1.0';
