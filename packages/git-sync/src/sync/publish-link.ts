import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';
import { isFullSha, tempLinkPrefix, worktreePath, type Layout } from './layout.js';

/**
 * The SHA the link points at, or undefined when there is no link yet. A link that does not
 * point into .worktrees/<sha> is not ours: that is an error, not something to overwrite.
 */
export async function readPublishedSha(layout: Layout): Promise<string | undefined> {
  let target: string;
  try {
    target = await fs.readlink(layout.linkPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EINVAL') {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_LAYOUT_INVALID,
        `${layout.linkPath} exists and is not a symbolic link`,
        { cause: err, hint: 'remove it, or choose another --link' },
      );
    }
    throw err;
  }
  const sha = path.basename(target);
  const resolved = path.resolve(layout.linkDir, target);
  if (!isFullSha(sha) || resolved !== worktreePath(layout, sha)) return undefined;
  return sha;
}

/**
 * Points the link at .worktrees/<sha> atomically: a uniquely named temporary symlink is
 * created beside it and rename(2)d over it, so a reader always sees either the old or the
 * new tree, never a missing link. The target is relative, so the volume can be mounted
 * anywhere. `beforeRename` lets tests crash between the two steps.
 */
export async function publishLink(
  layout: Layout,
  sha: string,
  beforeRename?: () => void | Promise<void>,
): Promise<void> {
  const target = path.relative(layout.linkDir, worktreePath(layout, sha));
  const temp = path.join(
    layout.linkDir,
    `${tempLinkPrefix(layout)}${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  await fs.mkdir(layout.linkDir, { recursive: true });
  await fs.symlink(target, temp);
  try {
    await beforeRename?.();
    await fs.rename(temp, layout.linkPath);
  } catch (err) {
    await fs.rm(temp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY') {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_LAYOUT_INVALID,
        `cannot replace ${layout.linkPath}: it is a directory`,
        { cause: err, hint: 'remove it, or choose another --link' },
      );
    }
    throw err;
  }
}

/** Removes temporary links left by a crash between symlink() and rename(). */
export async function sweepTempLinks(layout: Layout): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.linkDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const prefix = tempLinkPrefix(layout);
  const swept = names.filter((n) => n.startsWith(prefix));
  await Promise.all(swept.map((n) => fs.rm(path.join(layout.linkDir, n), { force: true })));
  return swept;
}
