import path from 'node:path';

/**
 * The on-disk contract of kubernetes/git-sync v4 under --root:
 *
 *   <root>/.git/                 the repository (bare); never inside a published tree
 *   <root>/.worktrees/<sha>/     one checked-out, immutable tree per revision
 *   <root>/.worktrees/.<sha>.complete   written last: the tree is whole (podkit addition)
 *   <root>/<link> -> .worktrees/<sha>   a RELATIVE symlink; basename(readlink) is the SHA
 *
 * Temporary names (all swept at start, so a crash can never wedge syncing):
 *   <linkdir>/.<link>.tmp-<pid>-<random>   a link being published
 *   <root>/.git-new-<random>, <root>/.git-old-<random>   a repository being swapped
 */
export interface Layout {
  readonly root: string;
  readonly gitDir: string;
  readonly worktreesDir: string;
  readonly linkPath: string;
  readonly linkDir: string;
  readonly linkName: string;
  /** Private HOME for git (no user config, no credential store of the host). */
  readonly homeDir: string;
}

/** `link` is relative to `root` unless absolute (as in git-sync). */
export function layoutFor(root: string, link = 'current'): Layout {
  const absRoot = path.resolve(root);
  const linkPath = path.resolve(absRoot, link);
  return {
    root: absRoot,
    gitDir: path.join(absRoot, '.git'),
    worktreesDir: path.join(absRoot, '.worktrees'),
    linkPath,
    linkDir: path.dirname(linkPath),
    linkName: path.basename(linkPath),
    homeDir: path.join(absRoot, '.git-sync-home'),
  };
}

export function worktreePath(layout: Layout, sha: string): string {
  return path.join(layout.worktreesDir, sha);
}

export function markerPath(layout: Layout, sha: string): string {
  return path.join(layout.worktreesDir, `.${sha}.complete`);
}

/** The marker file name → its SHA, or undefined when `name` is not a marker. */
export function shaOfMarker(name: string): string | undefined {
  const m = /^\.([0-9a-f]{40}|[0-9a-f]{64})\.complete$/.exec(name);
  return m?.[1];
}

export function tempLinkPrefix(layout: Layout): string {
  return `.${layout.linkName}.tmp-`;
}

/** A full object name (SHA-1 or SHA-256), lower-case hex. */
export function isFullSha(s: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}
