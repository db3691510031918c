/** podkit's version (the CLI package's; `version.test.ts` keeps them equal). */
export const PODKIT_VERSION = '0.1.0';
