import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** What conmon left when a container exited. */
export interface ExitRecord {
  /** The container's exit status (conmon writes 128+n when signal n ended it). */
  exitCode: number;
  /** The exit file's content could not be had: conmon itself died first. */
  lost: boolean;
}

interface Waiter {
  id: string;
  /** True while the monitor of the container lives (checked when no exit file is there). */
  monitorAlive: () => Promise<boolean>;
  resolve: (r: ExitRecord) => void;
}

/** How often pending exits are checked besides inotify (missed events, a dead conmon). */
const POLL_MS = 1000;

/**
 * Waits for containers' exits the way conmon reports them: conmon writes the exit status to
 * `<exitDir>/<container id>` (atomically: a temporary file renamed into place) when the
 * container ends, whether or not anybody is watching then. One watcher per directory serves
 * every container: an inotify watch wakes it at once, and a poll every second covers events
 * inotify may drop and monitors that died without writing (then the exit is `lost`).
 *
 * Only this process's waits keep it alive: the interval is referenced while a wait is pending.
 *
 * @example
 *   const exits = ExitWatcher.for('/var/lib/podkit/exits');
 *   const { exitCode } = await exits.wait('pod-abc-web', () => conmonAlive());
 */
export class ExitWatcher {
  static readonly #byDir = new Map<string, ExitWatcher>();

  /** The one watcher of `exitDir` in this process. */
  static for(exitDir: string): ExitWatcher {
    const dir = path.resolve(exitDir);
    let w = ExitWatcher.#byDir.get(dir);
    if (w === undefined) {
      w = new ExitWatcher(dir);
      ExitWatcher.#byDir.set(dir, w);
    }
    return w;
  }

  readonly dir: string;
  readonly #waiters = new Map<string, Waiter[]>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** The exit file of container `id`. */
  fileOf(id: string): string {
    return path.join(this.dir, id);
  }

  /** Removes a previous attempt's exit file (before a container of the same id starts). */
  async clear(id: string): Promise<void> {
    await this.#ensureDir();
    await rm(this.fileOf(id), { force: true });
  }

  /** The exit of `id` if conmon already recorded it. */
  async peek(id: string): Promise<ExitRecord | undefined> {
    const text = await readFile(this.fileOf(id), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const code = Number.parseInt(text.trim(), 10);
    return { exitCode: Number.isFinite(code) ? code : 255, lost: false };
  }

  /**
   * Resolves when container `id` has exited (its exit file appeared), or when its monitor is
   * gone without one (`lost`, exit code 137 as kubelet reports a container it lost).
   */
  async wait(id: string, monitorAlive: () => Promise<boolean>): Promise<ExitRecord> {
    await this.#ensureDir();
    return new Promise<ExitRecord>((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ id, monitorAlive, resolve });
      this.#waiters.set(id, list);
      this.#arm();
      void this.#check(id, false);
    });
  }

  #ensureDir(): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.#ready;
  }

  #arm(): void {
    if (this.#watcher === undefined) {
      try {
        this.#watcher = watch(this.dir, { persistent: false }, (_event, name) => {
          if (name !== null && this.#waiters.has(name)) void this.#check(name, false);
        });
        this.#watcher.on('error', () => {
          this.#watcher?.close();
          this.#watcher = undefined;
        });
      } catch {
        this.#watcher = undefined; // the poll still finds every exit
      }
    }
    this.#timer ??= setInterval(() => {
      for (const id of [...this.#waiters.keys()]) void this.#check(id, true);
    }, POLL_MS);
  }

  #disarmIfIdle(): void {
    if (this.#waiters.size > 0) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async #check(id: string, polling: boolean): Promise<void> {
    let rec = await this.peek(id);
    if (rec === undefined && polling) {
      const waiters = this.#waiters.get(id) ?? [];
      const alive = await Promise.all(waiters.map((w) => w.monitorAlive().catch(() => false)));
      if (alive.length > 0 && alive.every((a) => !a)) {
        // The monitor may have written the file just before it exited: look once more.
        rec = (await this.peek(id)) ?? { exitCode: 137, lost: true };
      }
    }
    if (rec === undefined) return;
    const waiters = this.#waiters.get(id);
    if (waiters === undefined) return;
    this.#waiters.delete(id);
    for (const w of waiters) w.resolve(rec);
    this.#disarmIfIdle();
  }
}
