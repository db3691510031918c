import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GitCommandError, GitSyncErrorCode } from '../errors.js';
import { Redactor } from '../redact.js';
import { runProcess } from './run-process.js';

/** Everything a git invocation needs besides its arguments. */
export interface GitRunnerOptions {
  /**
   * A private HOME (and XDG_CONFIG_HOME) so no user/global config or credential leaks in. The
   * runner owns its `.gitconfig` (see GLOBAL_CONFIG) and creates the directory if need be.
   */
  home: string;
  /** Config entries passed through GIT_CONFIG_COUNT/KEY/VALUE: never argv, never a file. */
  config?: Readonly<Record<string, string>> | undefined;
  /** Extra environment (e.g. GIT_SSH_COMMAND); wins over the defaults except the safety ones. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Masks secrets in errors. */
  redactor?: Redactor | undefined;
  /** Default per-command timeout. */
  timeoutMs?: number | undefined;
  /** The git program. Default `git` looked up on PATH. */
  gitPath?: string | undefined;
  /** Observes every spawn (argv and env keys); for audits and tests. */
  onSpawn?: ((args: readonly string[], env: Readonly<Record<string, string>>) => void) | undefined;
  /** Test hooks around each child (fault injection): see SyncEngineOptions.gitFaults. */
  faults?: GitFaults | undefined;
}

/**
 * Fault injection around git children (crash-safety tests). `spawned` gets the pid, which is
 * also the child's process group: a test may SIGKILL it mid-command. `exited` is awaited after
 * the child is gone and before its outcome is acted on: never resolving it freezes the caller
 * exactly as a SIGKILL of the whole program at that instant would (no error handling runs).
 */
export interface GitFaults {
  spawned?: ((args: readonly string[], pid: number) => void) | undefined;
  exited?: ((args: readonly string[]) => void | Promise<void>) | undefined;
}

export interface GitRunOptions {
  cwd?: string | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  stdin?: string | undefined;
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

/**
 * The global config every git process gets, whatever the caller's `config`: the runner
 * writes it to `<home>/.gitconfig` (GIT_CONFIG_GLOBAL) before each command. It cannot go
 * through GIT_CONFIG_*: git clears those for the commands it starts in another local
 * repository (upload-pack for a file:// or path remote, `clone --local`), which check that
 * repository's owner too. Nothing secret belongs here.
 *
 * `safe.directory = *`: the remote (a read-only hostPath, root's) and the volume may belong
 * to another uid than git-sync's (65532 in its image): git would refuse them for "dubious
 * ownership". kubernetes/git-sync sets the same in its global config.
 */
const GLOBAL_CONFIG = '[safe]\n\tdirectory = *\n';

/**
 * Runs git with argv only (no shell), a fully explicit environment, its own process group, a
 * timeout and an AbortSignal. Failures become GitCommandError with a stable code and the
 * redacted stderr tail.
 *
 * @example
 *   const git = new GitRunner({ home: '/tmp/gs-home', config: { 'remote.origin.url': url } });
 *   const { stdout } = await git.run(['ls-remote', 'origin', 'HEAD'], { signal });
 */
export class GitRunner {
  readonly redactor: Redactor;
  readonly #options: GitRunnerOptions;

  constructor(options: GitRunnerOptions) {
    this.#options = options;
    this.redactor = options.redactor ?? new Redactor();
    for (const value of Object.values(options.config ?? {})) this.redactor.addUrlCredentials(value);
  }

  /** The runner's own global config file (GLOBAL_CONFIG), in the private HOME. */
  get globalConfigPath(): string {
    return path.join(this.#options.home, '.gitconfig');
  }

  /**
   * Makes GLOBAL_CONFIG the content of the global config file. Checked before every command
   * (one small read) because the home may be removed under a long-lived runner; replaced
   * atomically, so a crash never leaves git a torn config to choke on.
   */
  async #ensureGlobalConfig(): Promise<void> {
    const file = this.globalConfigPath;
    const current = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (current === GLOBAL_CONFIG) return;
    await fs.mkdir(this.#options.home, { recursive: true, mode: 0o700 });
    const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await fs.writeFile(temp, GLOBAL_CONFIG, { mode: 0o600 });
      await fs.rename(temp, file);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** The environment every git child gets. */
  environment(): Record<string, string> {
    const o = this.#options;
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      // Credentials come from config/credential helpers, never from a prompt program.
      GIT_ASKPASS: '/bin/false',
      SSH_ASKPASS: '/bin/false',
      ...o.env,
    };
    // Safety settings come last so `env` cannot undo them.
    Object.assign(env, {
      HOME: o.home,
      XDG_CONFIG_HOME: `${o.home}/.config`,
      LC_ALL: 'C', // stable, parseable messages
      LANG: 'C',
      GIT_TERMINAL_PROMPT: '0', // never block on a prompt
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: this.globalConfigPath,
      GIT_OPTIONAL_LOCKS: '0',
    });
    const config = Object.entries(o.config ?? {});
    env['GIT_CONFIG_COUNT'] = String(config.length);
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    return env;
  }

  async run(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
    const env = this.environment();
    const redact = (s: string): string => this.redactor.redact(s);
    const shownArgs = args.map(redact);
    const what = `git ${shownArgs.join(' ')}`;
    if (options.signal?.aborted === true) {
      throw new GitCommandError(GitSyncErrorCode.GIT_SYNC_ABORTED, `${what}: cancelled`, {
        args: shownArgs,
        exitCode: null,
        stderr: '',
        cause: options.signal.reason,
      });
    }
    try {
      await this.#ensureGlobalConfig();
    } catch (cause) {
      throw new GitCommandError(
        GitSyncErrorCode.GIT_SYNC_SPAWN_FAILED,
        `${what}: cannot write git's config ${this.globalConfigPath}: ${redact(String(cause))}`,
        {
          args: shownArgs,
          exitCode: null,
          stderr: '',
          cause,
          hint: 'the private HOME must be writable (it lives under --root)',
        },
      );
    }
    this.#options.onSpawn?.(args, env);
    let result;
    try {
      result = await runProcess(this.#options.gitPath ?? 'git', args, {
        env,
        cwd: options.cwd,
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
        stdin: options.stdin,
        onSpawned: (pid) => this.#options.faults?.spawned?.(args, pid),
      });
    } catch (cause) {
      throw new GitCommandError(
        GitSyncErrorCode.GIT_SYNC_SPAWN_FAILED,
        `${what}: cannot start git: ${redact(String(cause))}`,
        { args: shownArgs, exitCode: null, stderr: '', hint: 'is git installed and on PATH?' },
      );
    }
    await this.#options.faults?.exited?.(args);
    const stderr = redact(result.stderr.trim());
    if (result.killedFor === 'abort') {
      throw new GitCommandError(GitSyncErrorCode.GIT_SYNC_ABORTED, `${what}: cancelled`, {
        args: shownArgs,
        exitCode: result.exitCode,
        stderr,
      });
    }
    if (result.killedFor === 'timeout') {
      throw new GitCommandError(GitSyncErrorCode.GIT_SYNC_GIT_TIMEOUT, `${what}: timed out`, {
        args: shownArgs,
        exitCode: result.exitCode,
        stderr,
        hint: 'raise --sync-timeout, or check that the remote is reachable',
      });
    }
    if (result.exitCode !== 0) {
      const status =
        result.exitCode === null ? `killed by ${String(result.signal)}` : `exit ${result.exitCode}`;
      throw new GitCommandError(
        GitSyncErrorCode.GIT_SYNC_GIT_FAILED,
        `${what} failed (${status})${stderr === '' ? '' : `: ${lastLines(stderr, 5)}`}`,
        { args: shownArgs, exitCode: result.exitCode, stderr },
      );
    }
    return { stdout: result.stdout, stderr };
  }
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join(' | ');
}
