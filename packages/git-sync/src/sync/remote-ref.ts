/** One resolved --ref: the full remote ref name to fetch and the commit it points at. */
export interface ResolvedRef {
  /** e.g. refs/heads/main, refs/tags/v1, HEAD. */
  name: string;
  /** The commit (annotated tags already peeled). */
  sha: string;
}

/**
 * Picks what `ref` means from `git ls-remote <remote> <ref>` output, as git-sync does: HEAD
 * is the remote default branch; a short name is a branch first, then a tag; an annotated
 * tag is peeled to its commit (the `^{}` line). Returns undefined when nothing matches.
 *
 * @example resolveLsRemote('abc…\trefs/heads/main\n', 'main') // { name: 'refs/heads/main', sha: 'abc…' }
 */
export function resolveLsRemote(output: string, ref: string): ResolvedRef | undefined {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64})\t(\S+)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) refs.set(m[2], m[1]);
  }
  const candidates =
    ref === 'HEAD' || ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const peeled = refs.get(`${name}^{}`);
    const direct = refs.get(name);
    if (peeled !== undefined) return { name, sha: peeled };
    if (direct !== undefined) return { name, sha: direct };
  }
  return undefined;
}
