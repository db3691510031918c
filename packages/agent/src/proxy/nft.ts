import { isPodkitError, KitErrorCode, runGroup, type GroupRun } from '@podkit/kit';
import { agentError, AgentErrorCode } from '../errors.js';
import { checkTableName, type AffinityEntry } from './service-rules.js';

/**
 * Running `nft` (Debian's nftables) for the Service proxy. A script goes to `nft -f -` on
 * stdin: nft sends the whole file to the kernel as one netlink batch, which is committed all
 * at once or not at all — a failing line leaves the ruleset as it was. Killing nft (an abort)
 * is as safe: the batch is then never committed.
 */

/** Captured nft output beyond this is a bug (a listing of our own table is kilobytes). */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

async function runNft(
  args: readonly string[],
  input: string | undefined,
  signal: AbortSignal | undefined,
): Promise<GroupRun> {
  signal?.throwIfAborted();
  let run: GroupRun;
  try {
    run = await runGroup('nft', args, {
      env: process.env,
      input,
      signal,
      graceMs: 0,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
  } catch (err) {
    if (!isPodkitError(err, KitErrorCode.KIT_SPAWN_FAILED)) throw err;
    const e = err.cause as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw agentError(AgentErrorCode.PROXY_NFT_MISSING, 'nft: command not found', {
        cause: err,
        hint: "run: bash scripts/setup.sh (installs Debian's nftables)",
      });
    }
    throw agentError(AgentErrorCode.PROXY_NFT_FAILED, `cannot run nft: ${e.message}`, {
      cause: err,
    });
  }
  if (run.stoppedFor === 'abort') throw signal?.reason ?? new Error('aborted');
  if (run.stoppedFor !== undefined) {
    throw agentError(AgentErrorCode.PROXY_NFT_FAILED, `nft ${args.join(' ')}: stopped (output)`);
  }
  return run;
}

/**
 * nft's complaint about a script, made readable: its first error (without the `/dev/stdin:`
 * prefix), the script line it points at, then everything nft said.
 */
export function describeNftError(stderr: string, script: string | undefined): string {
  const said = stderr.trim();
  const first = said.split('\n').find((l) => l.includes('Error:')) ?? said.split('\n')[0] ?? '';
  const at = /^\/dev\/stdin:(\d+):/.exec(first);
  const summary = first.replace(/^\/dev\/stdin:/, 'line ');
  const lineNo = at?.[1] === undefined ? undefined : Number(at[1]);
  const line = lineNo === undefined ? undefined : script?.split('\n')[lineNo - 1]?.trim();
  const where = line === undefined ? '' : `\n  line ${lineNo ?? ''}: ${line}`;
  const rest = said === first ? '' : `\n${said}`;
  return `${summary}${where}${rest}`;
}

function failure(what: string, run: GroupRun, script?: string): Error {
  const stderr = run.stderr.trim() || run.stdout.trim();
  const notRoot = /Operation not permitted/.test(stderr);
  return agentError(
    AgentErrorCode.PROXY_NFT_FAILED,
    `${what}: nft ${run.signal ?? `exit ${String(run.code)}`}: ${describeNftError(stderr, script)}`,
    notRoot ? { hint: 'the Service proxy must run as root (CAP_NET_ADMIN)' } : {},
  );
}

function assertTableName(table: string): void {
  const problem = checkTableName(table);
  if (problem !== undefined) throw agentError(AgentErrorCode.PROXY_VIEW_INVALID, problem);
}

/**
 * Runs `script` as one nft transaction (`nft -f -`): all of it or nothing. Throws
 * `PROXY_NFT_FAILED` with nft's error and the line it points at.
 *
 * @example
 *   await applyNftScript(serviceRules(view, { table }), { table, signal });
 */
export async function applyNftScript(
  script: string,
  options: { table: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const run = await runNft(['-f', '-'], script, options.signal);
  if (run.code !== 0) throw failure(`cannot write nftables table ${options.table}`, run, script);
}

/**
 * Removes table `ip <table>` and everything in it (chains, maps, affinity sets) in one
 * transaction; a table that is not there is fine (`add` then `delete`), so this is also how a
 * table left by a crashed agent is purged.
 */
export async function deleteTable(table: string, signal?: AbortSignal): Promise<void> {
  assertTableName(table);
  const script = `add table ip ${table}\ndelete table ip ${table}\n`;
  const run = await runNft(['-f', '-'], script, signal);
  if (run.code !== 0) throw failure(`cannot delete nftables table ${table}`, run, script);
}

/** The names of the `ip` family's tables (every owner's, not only podkit's). */
export async function listTables(signal?: AbortSignal): Promise<string[]> {
  const run = await runNft(['list', 'tables', 'ip'], undefined, signal);
  if (run.code !== 0) throw failure('cannot list nftables tables', run);
  return [...run.stdout.matchAll(/^table ip (\S+)$/gm)].map((m) => m[1] ?? '').filter(Boolean);
}

interface NftJsonSet {
  set?: { name?: unknown; elem?: unknown };
}

/**
 * The live entries of the table's affinity sets (`aff-…`), with the seconds each has left:
 * what a sync carries into the table that replaces this one. A missing table has none.
 */
export async function readAffinity(
  table: string,
  signal?: AbortSignal,
): Promise<Map<string, AffinityEntry[]>> {
  assertTableName(table);
  const out = new Map<string, AffinityEntry[]>();
  const run = await runNft(['-j', 'list', 'sets', 'table', 'ip', table], undefined, signal);
  if (run.code !== 0) {
    if (/No such file or directory/.test(run.stderr)) return out;
    throw failure(`cannot read the affinity sets of nftables table ${table}`, run);
  }
  const doc = JSON.parse(run.stdout) as { nftables?: NftJsonSet[] };
  for (const item of doc.nftables ?? []) {
    const name = item.set?.name;
    const elems = item.set?.elem;
    if (typeof name !== 'string' || !name.startsWith('aff-') || !Array.isArray(elems)) continue;
    const entries: AffinityEntry[] = [];
    for (const e of elems as unknown[]) {
      // With a timeout, an element is {"elem": {"val": "10.0.0.1", "expires": 10790, …}}.
      const inner = (e as { elem?: { val?: unknown; expires?: unknown } } | null)?.elem;
      if (typeof inner?.val === 'string' && typeof inner.expires === 'number') {
        entries.push({ ip: inner.val, expiresSeconds: inner.expires });
      }
    }
    if (entries.length > 0) out.set(name, entries);
  }
  return out;
}
