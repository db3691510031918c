import { agentError, AgentErrorCode } from '../errors.js';
import { applyNftScript, deleteTable, readAffinity } from './nft.js';
import type { ProxyView } from './proxy-view.js';
import { checkTableName, serviceRules } from './service-rules.js';

export interface ServiceProxyOptions {
  /** The nftables table (family `ip`) the proxy owns, e.g. `podkit-<tag>`: one per state root. */
  readonly table: string;
  /**
   * The proxy's lifetime: aborting kills a running nft (its transaction then never commits)
   * and rejects every sync, pending or later, with the abort reason. The table stays until
   * `close()` (or `ServiceProxy.purge`) removes it.
   */
  readonly signal?: AbortSignal | undefined;
}

/** An abort reason as an Error (AbortSignal's are DOMExceptions unless given otherwise). */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The node's Service proxy: keeps the nftables table `ip <table>` equal to the latest view it
 * was given (service-rules.ts for the rules). Each sync replaces the table whole in one nft
 * transaction, carrying over the live session-affinity pins of the table it replaces.
 *
 * Bursts coalesce: at most one nft run is in flight; views given meanwhile wait, and only the
 * latest of them is written, once, settling every one of their `sync` calls (a view that
 * cannot become rules rejects the calls that waited for it).
 *
 * @example
 *   await using proxy = new ServiceProxy({ table: 'podkit-3f2a' });
 *   await proxy.sync({ services });
 *   // … on every Service or endpoint change: await proxy.sync(next);
 */
export class ServiceProxy implements AsyncDisposable {
  readonly table: string;
  readonly #signal: AbortSignal | undefined;
  #pending: { view: ProxyView; waiters: Waiter[] } | undefined;
  #running: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #transactions = 0;

  constructor(options: ServiceProxyOptions) {
    const problem = checkTableName(options.table);
    if (problem !== undefined) throw agentError(AgentErrorCode.PROXY_VIEW_INVALID, problem);
    this.table = options.table;
    this.#signal = options.signal;
    this.#signal?.addEventListener(
      'abort',
      () => {
        this.#rejectPending(this.#signal?.reason);
      },
      { once: true },
    );
  }

  /**
   * Removes a proxy table left behind (an agent that crashed before `close()`), by name; a
   * table that is not there is fine.
   */
  static async purge(table: string, signal?: AbortSignal): Promise<void> {
    await deleteTable(table, signal);
  }

  /** How many table transactions this proxy has run (coalesced views count once). */
  get transactions(): number {
    return this.#transactions;
  }

  /**
   * Makes the table say `view`. Resolves once a transaction with this view, or a later one
   * that replaced it while it waited, is committed. `signal` stops the caller's wait only:
   * the view, being the latest, is still written.
   */
  sync(view: ProxyView, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(
        agentError(AgentErrorCode.PROXY_CLOSED, `the Service proxy of ${this.table} is closed`),
      );
    }
    if (this.#signal?.aborted === true) return Promise.reject(asError(this.#signal.reason));
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(asError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        reject(asError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(asError(err));
        },
      };
      const waiters = this.#pending?.waiters ?? [];
      waiters.push(waiter);
      this.#pending = { view, waiters };
      this.#running ??= this.#drain();
    });
  }

  /** Writes the pending (latest) view, again while a newer one arrived meanwhile. Never rejects. */
  async #drain(): Promise<void> {
    try {
      for (let batch = this.#pending; batch !== undefined; batch = this.#pending) {
        this.#pending = undefined;
        try {
          await this.#write(batch.view);
          for (const w of batch.waiters) w.resolve();
        } catch (err) {
          for (const w of batch.waiters) w.reject(err);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #write(view: ProxyView): Promise<void> {
    const signal = this.#signal;
    signal?.throwIfAborted();
    const sticky = view.services.some((s) => s.sessionAffinity === 'ClientIP');
    // Pins live in the kernel's sets, which the new table replaces: read them just before.
    // A pin made between this read and the commit (milliseconds) is lost; the client is
    // then pinned again on its next connection.
    const affinity = sticky ? await readAffinity(this.table, signal) : undefined;
    const script = serviceRules(view, { table: this.table, affinity });
    await applyNftScript(script, { table: this.table, signal });
    this.#transactions++;
  }

  #rejectPending(err: unknown): void {
    const batch = this.#pending;
    this.#pending = undefined;
    for (const w of batch?.waiters ?? []) w.reject(err);
  }

  /**
   * Stops syncing (pending syncs reject with `PROXY_CLOSED`), lets a running transaction end,
   * then removes the table whole. Safe to call again.
   */
  close(signal?: AbortSignal): Promise<void> {
    this.#closing ??= (async () => {
      this.#rejectPending(
        agentError(AgentErrorCode.PROXY_CLOSED, `the Service proxy of ${this.table} was closed`),
      );
      await this.#running;
      await deleteTable(this.table, signal);
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
