/** @podkit/git-sync */
export {};
