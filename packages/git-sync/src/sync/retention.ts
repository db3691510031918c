/** A complete, non-current tree and when it was last live (published or superseded). */
export interface RetainedTree {
  sha: string;
  lastLiveMs: number;
}

export interface RetentionPolicy {
  /** Trees to keep counting the live one (default 2: the previous tree survives a flip). */
  keep: number;
  /** A non-current tree younger than this (since it stopped being live) is also kept. */
  staleAfterMs: number;
}

/**
 * Which non-current trees to delete. A tree is kept when EITHER rule protects it: it is among
 * the `keep - 1` most recently live others, or it stopped being live less than
 * `staleAfterMs` ago. The live tree is never passed in, so it is never deleted.
 */
export function treesToRemove(
  others: readonly RetainedTree[],
  policy: RetentionPolicy,
  nowMs: number,
): string[] {
  const byRecency = [...others].sort((a, b) => b.lastLiveMs - a.lastLiveMs);
  const keepOthers = Math.max(0, policy.keep - 1);
  return byRecency
    .slice(keepOthers)
    .filter((t) => nowMs - t.lastLiveMs >= policy.staleAfterMs)
    .map((t) => t.sha);
}
