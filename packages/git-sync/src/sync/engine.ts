import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PodkitError, isPodkitError } from '@podkit/kit';
import { GitCommandError, GitSyncErrorCode } from '../errors.js';
import { GitRunner, type GitFaults } from '../git/run-git.js';
import { Redactor } from '../redact.js';
import {
  isFullSha,
  layoutFor,
  markerPath,
  shaOfMarker,
  worktreePath,
  type Layout,
} from './layout.js';
import { publishLink, readPublishedSha, sweepTempLinks } from './publish-link.js';
import { resolveLsRemote } from './remote-ref.js';
import { treesToRemove } from './retention.js';

/** The points at which a sync can be interrupted; `faults` is called before each. */
export type SyncStep =
  | 'recover'
  | 'ls-remote'
  | 'fetch'
  | 'worktree-add'
  | 'submodules'
  | 'verify'
  | 'marker'
  | 'pre-publish'
  | 'link'
  | 'link-rename'
  | 'retention'
  | 'prune';

/** Context handed to the pre-publish hook: the complete, not yet published tree. */
export interface PrePublishContext {
  sha: string;
  /** Absolute path of .worktrees/<sha>. */
  path: string;
  signal: AbortSignal;
}

/** Things worth a log line; never carries secrets (messages are redacted). */
export type SyncEvent =
  | { type: 'recovered'; sweptTempLinks: number; removedTrees: string[] }
  | { type: 'published'; sha: string; previous: string | undefined }
  | { type: 'repairing'; reason: string }
  | { type: 'removed'; sha: string }
  | { type: 'cleanup-failed'; message: string };

export interface SyncEngineOptions {
  /** Repository URL. Credentials in it are passed to git through the environment only. */
  repo: string;
  /** Branch, tag, full SHA, or HEAD (remote default branch). Default HEAD. */
  ref?: string | undefined;
  /** Shallow depth; 0 = full history. Default 1. */
  depth?: number | undefined;
  root: string;
  /** Link name (relative to root) or absolute path. Default `current`. */
  link?: string | undefined;
  /** Trees kept, counting the live one. Default 2. */
  keep?: number | undefined;
  /** Non-current trees are kept at least this long after they stop being live. Default 0. */
  staleAfterMs?: number | undefined;
  /** Runs on the complete tree before the flip; a throw keeps the old tree live. */
  prePublish?: ((ctx: PrePublishContext) => Promise<void>) | undefined;
  /**
   * Submodules after checkout (git-sync's --submodules): `recursive` (default), `shallow`
   * (top level only) or `off`. Only trees with a .gitmodules file pay for it.
   */
  submodules?: 'recursive' | 'shallow' | 'off' | undefined;
  /** A git sparse-checkout pattern file (non-cone syntax, as git-sync's --sparse-checkout-file). */
  sparseCheckoutFile?: string | undefined;
  /** Extra git config (GIT_CONFIG_* env), e.g. http.sslCAInfo. */
  gitConfig?: Readonly<Record<string, string>> | undefined;
  /** Extra environment for git children. */
  gitEnv?: Readonly<Record<string, string>> | undefined;
  /** Per git command timeout. Default 120 s. */
  gitTimeoutMs?: number | undefined;
  /** The git program (git-sync's --git). Default `git` on PATH. */
  gitPath?: string | undefined;
  /** Observes every git spawn (audits, tests). */
  onGitSpawn?:
    ((args: readonly string[], env: Readonly<Record<string, string>>) => void) | undefined;
  now?: (() => number) | undefined;
  onEvent?: ((event: SyncEvent) => void) | undefined;
  /** Test hook: called before each step; throwing (or never returning) simulates a crash. */
  faults?: ((step: SyncStep) => void | Promise<void>) | undefined;
  /** Test hook: fault injection around each git child (SIGKILL mid-command, freeze after it). */
  gitFaults?: GitFaults | undefined;
}

export interface SyncResult {
  /** The SHA live after this sync. */
  sha: string;
  /** True when this sync moved the link. */
  changed: boolean;
  /** True when the repository was found corrupt and re-created. */
  repaired: boolean;
}

const PRIVATE_REF = 'refs/podkit/target';

/**
 * One repository synced into --root with the git-sync v4 layout. `sync()` brings the link to
 * the remote revision of --ref: fetch, check out into a fresh immutable tree, mark it
 * complete, let the pre-publish hook veto it, flip the link atomically, then delete trees
 * the retention policy no longer protects. The live tree is never modified or removed;
 * a corrupt repository is re-created beside it. Not re-entrant: one sync at a time (the
 * loop guarantees it), and one engine per root.
 *
 * @example
 *   const engine = new SyncEngine({ repo: 'https://example.com/site.git', root: '/git' });
 *   const { sha } = await engine.sync(AbortSignal.timeout(120_000));
 */
export class SyncEngine {
  readonly layout: Layout;
  readonly redactor: Redactor;
  readonly #o: SyncEngineOptions;
  readonly #ref: string;
  readonly #now: () => number;
  #git: GitRunner;
  #recovered = false;
  /** The repository answered `rev-parse --git-dir` and no sync has failed since. */
  #gitDirOk = false;

  constructor(options: SyncEngineOptions) {
    this.#o = options;
    this.#ref = options.ref ?? 'HEAD';
    this.#now = options.now ?? Date.now;
    this.layout = layoutFor(options.root, options.link);
    this.redactor = new Redactor();
    this.redactor.addUrlCredentials(options.repo);
    this.#git = new GitRunner({
      home: this.layout.homeDir,
      redactor: this.redactor,
      timeoutMs: options.gitTimeoutMs ?? 120_000,
      gitPath: options.gitPath,
      env: options.gitEnv,
      onSpawn: options.onGitSpawn,
      faults: options.gitFaults,
      config: {
        'init.defaultBranch': 'podkit',
        'gc.autoDetach': 'false', // a daemonised gc would escape our process-group control
        'advice.detachedHead': 'false',
        ...options.gitConfig,
        // The URL (and any credential in it) reaches git through the environment only.
        'remote.origin.url': options.repo,
      },
    });
  }

  /** The SHA currently published, if any. */
  publishedSha(): Promise<string | undefined> {
    return readPublishedSha(this.layout);
  }

  async sync(signal: AbortSignal): Promise<SyncResult> {
    try {
      return await this.#sync(signal);
    } catch (err) {
      this.#gitDirOk = false; // look at the repository again before the next sync
      throw err;
    }
  }

  async #sync(signal: AbortSignal): Promise<SyncResult> {
    if (!this.#recovered) {
      await this.#step('recover');
      await this.#recover(signal);
      this.#recovered = true;
    }
    const current = await readPublishedSha(this.layout);
    let target: string;
    let refName: string | undefined;
    if (isFullSha(this.#ref.toLowerCase())) {
      target = this.#ref.toLowerCase();
    } else {
      await this.#step('ls-remote');
      const resolved = await this.#lsRemote(signal);
      target = resolved.sha;
      refName = resolved.name;
    }
    if (target === current) {
      await this.#cleanup(current, signal);
      return { sha: current, changed: false, repaired: false };
    }

    let repaired = false;
    if (!(await this.#isComplete(target))) {
      try {
        target = await this.#materialise(target, refName, signal);
      } catch (err) {
        // The remote answered ls-remote, so a local failure may be a corrupt repository
        // (e.g. a lost pack file). Repair only when fsck agrees; never touch the live tree.
        if (signal.aborted || !(err instanceof GitCommandError) || (await this.#fsckOk(signal))) {
          throw err;
        }
        this.#o.onEvent?.({ type: 'repairing', reason: err.message });
        await this.#replaceGitDir(signal);
        repaired = true;
        target = await this.#materialise(target, refName, signal);
      }
      if (target === current) {
        await this.#cleanup(current, signal);
        return { sha: current, changed: false, repaired };
      }
    }

    if (this.#o.prePublish !== undefined) {
      await this.#step('pre-publish');
      await this.#o.prePublish({ sha: target, path: worktreePath(this.layout, target), signal });
    }
    await this.#step('link');
    await publishLink(this.layout, target, () => this.#step('link-rename'));
    const now = new Date(this.#now());
    // Marker mtimes record "last live" for retention: the new tree now, the old one superseded now.
    await touch(markerPath(this.layout, target), now);
    if (current !== undefined) await touch(markerPath(this.layout, current), now);
    this.#o.onEvent?.({ type: 'published', sha: target, previous: current });
    await this.#cleanup(target, signal);
    return { sha: target, changed: true, repaired };
  }

  async #step(step: SyncStep): Promise<void> {
    await this.#o.faults?.(step);
  }

  #gd(...args: string[]): string[] {
    return [`--git-dir=${this.layout.gitDir}`, ...args];
  }

  async #lsRemote(signal: AbortSignal): Promise<{ name: string; sha: string }> {
    await this.#ensureGitDir(signal);
    const { stdout } = await this.#git.run(this.#gd('ls-remote', 'origin', this.#ref), {
      signal,
    });
    const resolved = resolveLsRemote(stdout, this.#ref);
    if (resolved === undefined) {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_REF_NOT_FOUND,
        `ref ${JSON.stringify(this.#ref)} not found on ${this.redactor.redact(this.#o.repo)}`,
        { hint: 'check --ref: the branch or tag may have been deleted; the last tree stays live' },
      );
    }
    return resolved;
  }

  /** Fetches and checks out `sha` into .worktrees/<sha>, complete with its marker. */
  async #materialise(
    expected: string,
    refName: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    if (refName === undefined) await this.#ensureGitDir(signal); // #lsRemote did it otherwise
    await this.#step('fetch');
    const depth = this.#o.depth ?? 1;
    const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
    const fetchArgs = ['fetch', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head'];
    let sha = expected;
    if (refName === undefined) {
      await this.#git.run(this.#gd(...fetchArgs, ...depthArgs, 'origin', expected), { signal });
    } else {
      // '+' accepts a force-push: the private ref simply moves to whatever the remote has.
      await this.#git.run(
        this.#gd(...fetchArgs, ...depthArgs, 'origin', `+${refName}:${PRIVATE_REF}`),
        { signal },
      );
      // Newer than `expected` if a push landed in between.
      sha = await this.#fetchedCommit(refName, signal);
    }
    if (await this.#isComplete(sha)) return sha;

    const tree = worktreePath(this.layout, sha);
    let complete = false;
    try {
      await this.#step('worktree-add');
      // A leftover of an interrupted attempt is never trusted: start from nothing.
      await fs.rm(tree, { recursive: true, force: true });
      await fs.mkdir(this.layout.worktreesDir, { recursive: true });
      const sparse = this.#o.sparseCheckoutFile;
      // --force: a registration whose directory is gone (interrupted attempt) is reused.
      await this.#git.run(
        this.#gd(
          'worktree',
          'add',
          '--detach',
          '--force',
          ...(sparse === undefined ? [] : ['--no-checkout']),
          tree,
          sha,
        ),
        { signal },
      );
      if (sparse !== undefined) {
        // Re-read every time: the pattern file may be a ConfigMap that changes.
        const patterns = await fs.readFile(sparse, 'utf8');
        await this.#git.run(['sparse-checkout', 'set', '--no-cone', '--stdin'], {
          cwd: tree,
          signal,
          stdin: patterns,
        });
        await this.#git.run(['checkout', '--quiet', '--force', '--detach', sha], {
          cwd: tree,
          signal,
        });
      }
      await this.#submodules(tree, signal);
      await this.#step('verify');
      const head = await this.#worktreeHead(tree, signal);
      if (head !== sha) {
        throw new PodkitError(
          GitSyncErrorCode.GIT_SYNC_WORKTREE_INVALID,
          `worktree ${tree} holds ${head}, expected ${sha}`,
        );
      }
      await this.#step('marker');
      // Written last: its existence is the definition of "this tree is whole".
      await fs.writeFile(markerPath(this.layout, sha), `${sha}\n`);
      complete = true;
    } finally {
      if (!complete) await this.#removeTree(sha).catch(() => undefined);
    }
    return sha;
  }

  async #submodules(tree: string, signal: AbortSignal): Promise<void> {
    const mode = this.#o.submodules ?? 'recursive';
    if (mode === 'off') return;
    const hasModules = await fs.access(path.join(tree, '.gitmodules')).then(
      () => true,
      () => false,
    );
    if (!hasModules) return;
    await this.#step('submodules');
    const depth = this.#o.depth ?? 1;
    await this.#git.run(
      [
        'submodule',
        'update',
        '--init',
        '--checkout',
        '--force',
        ...(mode === 'recursive' ? ['--recursive'] : []),
        ...(depth > 0 ? [`--depth=${depth}`] : []),
      ],
      { cwd: tree, signal },
    );
  }

  async #isComplete(sha: string): Promise<boolean> {
    try {
      await fs.access(markerPath(this.layout, sha));
      const st = await fs.stat(worktreePath(this.layout, sha));
      return st.isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * The commit the fetch stored in the private ref. A branch names a commit, so its loose ref
   * file is read directly (one git process less per sync); anything else (a tag to peel, a
   * packed ref) asks `git rev-parse`.
   */
  async #fetchedCommit(refName: string, signal: AbortSignal): Promise<string> {
    if (refName.startsWith('refs/heads/')) {
      const loose = await fs.readFile(path.join(this.layout.gitDir, PRIVATE_REF), 'utf8').then(
        (text) => text.trim(),
        () => '',
      );
      if (isFullSha(loose)) return loose;
    }
    const { stdout } = await this.#git.run(
      this.#gd('rev-parse', '--verify', '--end-of-options', `${PRIVATE_REF}^{commit}`),
      { signal },
    );
    return stdout.trim();
  }

  /**
   * The commit a fresh worktree has checked out: its detached HEAD file, read directly (one
   * git process less per sync); `git rev-parse HEAD` when the file is not in the usual form.
   */
  async #worktreeHead(tree: string, signal: AbortSignal): Promise<string> {
    try {
      const pointer = await fs.readFile(path.join(tree, '.git'), 'utf8');
      const m = /^gitdir: (.+)\n?$/.exec(pointer);
      if (m?.[1] !== undefined) {
        const head = (
          await fs.readFile(path.join(path.resolve(tree, m[1]), 'HEAD'), 'utf8')
        ).trim();
        if (isFullSha(head)) return head;
      }
    } catch {
      // fall through to git
    }
    const { stdout } = await this.#git.run(['rev-parse', 'HEAD'], { cwd: tree, signal });
    return stdout.trim();
  }

  /** Checks the repository once, and again after any failed sync (cheap steady state). */
  async #ensureGitDir(signal: AbortSignal): Promise<void> {
    if (this.#gitDirOk) return;
    try {
      await this.#git.run(this.#gd('rev-parse', '--git-dir'), { signal });
      this.#gitDirOk = true;
    } catch (err) {
      if (signal.aborted || !(err instanceof GitCommandError)) throw err;
      // Missing or unreadable: build a fresh one beside it and swap.
      await this.#replaceGitDir(signal);
    }
  }

  /** Creates a new empty repository and swaps it in for .git; the trees are untouched. */
  async #replaceGitDir(signal: AbortSignal): Promise<void> {
    await fs.mkdir(this.layout.root, { recursive: true });
    const tag = randomBytes(6).toString('hex');
    const fresh = path.join(this.layout.root, `.git-new-${tag}`);
    const old = path.join(this.layout.root, `.git-old-${tag}`);
    await fs.mkdir(this.layout.homeDir, { recursive: true });
    this.#gitDirOk = false;
    await this.#git.run(['init', '--bare', '--quiet', fresh], { signal });
    try {
      await fs.rename(this.layout.gitDir, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // A crash between the two renames leaves no .git: the next start simply creates one.
    await fs.rename(fresh, this.layout.gitDir);
    await fs.rm(old, { recursive: true, force: true });
  }

  async #fsckOk(signal: AbortSignal): Promise<boolean> {
    try {
      await this.#git.run(
        this.#gd('fsck', '--connectivity-only', '--no-dangling', '--no-progress'),
        {
          signal,
        },
      );
      return true;
    } catch (err) {
      if (isPodkitError(err, GitSyncErrorCode.GIT_SYNC_ABORTED)) throw err;
      return false;
    }
  }

  /**
   * Start-up repair after a crash: temp links, half-swapped repositories, trees without
   * their marker, worktree registrations whose directory is gone (even "locked" ones, which
   * `git worktree add` leaves while it runs), and stale git lock files. Safe because nothing
   * else writes under this root.
   */
  async #recover(signal: AbortSignal): Promise<void> {
    await fs.mkdir(this.layout.worktreesDir, { recursive: true });
    await fs.mkdir(this.layout.homeDir, { recursive: true });
    const swept = await sweepTempLinks(this.layout);
    for (const name of await fs.readdir(this.layout.root)) {
      if (/^\.git-(new|old)-[0-9a-f]+$/.test(name)) {
        await fs.rm(path.join(this.layout.root, name), { recursive: true, force: true });
      }
    }
    const live = await readPublishedSha(this.layout);
    const removed: string[] = [];
    const names = await fs.readdir(this.layout.worktreesDir);
    for (const name of names) {
      const markerSha = shaOfMarker(name);
      if (markerSha !== undefined && !names.includes(markerSha)) {
        await fs.rm(path.join(this.layout.worktreesDir, name), { force: true });
      } else if (isFullSha(name) && name !== live && !(await this.#isComplete(name))) {
        await this.#removeTree(name);
        removed.push(name);
      }
    }
    await removeStaleLocks(this.layout.gitDir);
    await this.#forgetMissingWorktrees();
    this.#gitDirOk = false;
    if (swept.length > 0 || removed.length > 0) {
      this.#o.onEvent?.({ type: 'recovered', sweptTempLinks: swept.length, removedTrees: removed });
    }
    await this.#ensureGitDir(signal);
  }

  async #forgetMissingWorktrees(): Promise<void> {
    const admin = path.join(this.layout.gitDir, 'worktrees');
    let ids: string[];
    try {
      ids = await fs.readdir(admin);
    } catch {
      return;
    }
    for (const id of ids) {
      const dir = path.join(admin, id);
      let gitFile: string;
      try {
        gitFile = (await fs.readFile(path.join(dir, 'gitdir'), 'utf8')).trim();
      } catch {
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
      const exists = await fs.access(gitFile).then(
        () => true,
        () => false,
      );
      if (!exists) await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async #removeTree(sha: string): Promise<void> {
    // Marker first: a half-deleted tree must never look complete.
    await fs.rm(markerPath(this.layout, sha), { force: true });
    await fs.rm(worktreePath(this.layout, sha), { recursive: true, force: true });
  }

  /** Retention and `git worktree prune`. Failures here never fail a sync: they are reported. */
  async #cleanup(live: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#step('retention');
      const others = [];
      for (const name of await fs.readdir(this.layout.worktreesDir)) {
        const sha = shaOfMarker(name);
        if (sha === undefined || sha === live) continue;
        const st = await fs.stat(path.join(this.layout.worktreesDir, name));
        others.push({ sha, lastLiveMs: st.mtimeMs });
      }
      const doomed = treesToRemove(
        others,
        { keep: this.#o.keep ?? 2, staleAfterMs: this.#o.staleAfterMs ?? 0 },
        this.#now(),
      );
      for (const sha of doomed) {
        await this.#removeTree(sha);
        this.#o.onEvent?.({ type: 'removed', sha });
      }
      // Only a removal leaves a registration to forget (recovery handles crash leftovers).
      if (doomed.length === 0) return;
      await this.#step('prune');
      await this.#git.run(this.#gd('worktree', 'prune'), { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      this.#o.onEvent?.({
        type: 'cleanup-failed',
        message: this.redactor.redact(err instanceof Error ? err.message : String(err)),
      });
    }
  }
}

async function touch(file: string, at: Date): Promise<void> {
  await fs.utimes(file, at, at);
}

/** Deletes `*.lock` files a killed git left behind (outside objects/, which has none we own). */
async function removeStaleLocks(gitDir: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'objects') await walk(p);
      } else if (e.name.endsWith('.lock')) {
        await fs.rm(p, { force: true });
      }
    }
  };
  await walk(gitDir);
}
