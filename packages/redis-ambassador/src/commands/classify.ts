import { RespErrorReply, type RespValue } from '../resp/decode.js';

/**
 * Where a command may run (docs/redis-ambassador routing rules):
 * - `session`: state the ambassador owns and replays on every upstream connection
 * - `pinned`: the client's dedicated master connection (transactions, pub/sub, blocking, WAIT)
 * - `master`: writes, and anything not positively read-only
 * - `replica`: read-only and not blocking-write: may run on a replica
 * - `node-local`: answers about one node or carries a per-node cursor: master by default
 * - `admin`: server administration: master (or denied by configuration)
 * - `unknown`: not in the table (module commands): master
 */
export type RouteClass =
  'session' | 'pinned' | 'master' | 'replica' | 'node-local' | 'admin' | 'unknown';

/** A command's metadata as the server reports it in `COMMAND INFO`. */
export interface CommandSpec {
  /** Lower case; subcommands as `container|sub`, e.g. `script|load`. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  /** The `flags` of each key specification (RW, RO, OW, RM, access, update, insert, delete …). */
  readonly keySpecFlags: readonly (readonly string[])[];
  readonly subcommands: readonly CommandSpec[];
}

/** The routing decision for one command (or subcommand). */
export interface CommandRoute {
  readonly class: RouteClass;
  /** Not replicated but needed everywhere (SCRIPT LOAD/FLUSH): also sent to every replica. */
  readonly broadcast: boolean;
  /**
   * Stateless for the connection it runs on (neither blocks it nor changes or reports its
   * state), so it may share one backend connection with other clients' requests.
   */
  readonly shareable: boolean;
  /**
   * After it, the connection's replies come as an open-ended stream from the master
   * (SUBSCRIBE, MONITOR, CLIENT REPLY, CLIENT TRACKING; SYNC/PSYNC, see `replication`).
   */
  readonly passthrough: boolean;
  /**
   * SYNC/PSYNC: the master answers with a replication stream (an RDB payload without a
   * trailing CRLF, then commands), carried to the client as raw bytes, not as RESP replies.
   */
  readonly replication: boolean;
  /** Connection state the session replays on every backend connection (AUTH, HELLO, SELECT, CLIENT SETNAME). */
  readonly state: boolean;
  /** Holds its connection until answered (BLPOP, XREADGROUP, WAIT …): the session stays on the master meanwhile. */
  readonly blocking: boolean;
}

const SESSION = new Set([
  'auth',
  'hello',
  'select',
  'reset',
  'quit',
  'ping',
  'echo',
  'client|setname',
  'client|getname',
  'client|id',
  'client|info',
  'client|setinfo',
]);

/** Pinned by name; blocking write commands are pinned by their `blocking` flag as well. */
const PINNED = new Set([
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'wait',
  'waitaof',
  'client|reply',
  'client|tracking',
  'monitor',
]);

/**
 * Commands whose point is a side effect on the node that owns the data, although the server
 * flags them read-only: TOUCH updates the key's access time, which matters for eviction and
 * OBJECT IDLETIME on the master; on a replica it would be lost.
 */
const MASTER_DESPITE_READONLY = new Set(['touch']);

const NODE_LOCAL = new Set([
  'scan',
  'hscan',
  'sscan',
  'zscan',
  'keys',
  'info',
  'dbsize',
  'role',
  'slowlog',
  'object',
  'memory',
  'lastsave',
  'time',
  'latency',
  'command',
  'lolwut',
  // Consumer-group bookkeeping (entries-read, lag) is not replicated exactly in 7.0: a replica
  // answers XINFO STREAM FULL differently from the master (Redis's keyspace suite, COPY of a
  // stream with groups), so XINFO describes one node's state: the master.
  'xinfo',
]);

const ADMIN = new Set([
  'config',
  'debug',
  'shutdown',
  'replicaof',
  'slaveof',
  'failover',
  'sync',
  'psync',
  'acl',
  'module',
  'save',
  'bgsave',
  'bgrewriteaof',
  'flushall',
  'swapdb',
  'client|kill',
  'client|pause',
  'client|unpause',
  'client|list',
  'client|no-evict',
  'cluster',
]);

/** Commands after which the connection's replies are an open-ended stream from the master. */
const PASSTHROUGH = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'monitor',
  'client|reply',
  'client|tracking',
  'sync',
  'psync',
  // One reply per channel (even when not subscribed: Redis's pubsub suite sends UNSUBSCRIBE
  // of three channels on a plain connection and reads three replies).
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);

/** Replication streams: carried as raw bytes (see {@link CommandRoute.replication}). */
const REPLICATION = new Set(['sync', 'psync']);

/** Session state replayed on every upstream connection the client uses. */
const STATE = new Set(['auth', 'hello', 'select', 'client|setname']);

/** Pinned commands that wait without the server's `blocking` flag. */
const BLOCKING_BY_NAME = new Set(['wait', 'waitaof']);

/** Not replicated, yet every node must have the script: broadcast to replicas too. */
const BROADCAST = new Set(['script|load', 'script|flush']);

/** Key-spec flags that mean the command changes (or may change) the key. */
const WRITE_KEY_FLAGS = new Set(['rw', 'ow', 'rm', 'insert', 'delete', 'update']);

/**
 * Classifies one command from its server metadata, name lists first (the reference's rules),
 * then flags. A command that is not positively read-only is treated as a write: EVAL, EVALSHA
 * and FCALL carry neither `write` nor `readonly`; PUBLISH carries only `pubsub`; PFCOUNT is
 * flagged `readonly` but its key spec says RW.
 *
 * @example
 *   classifyCommand({ name: 'get', arity: 2, flags: ['readonly', 'fast'], keySpecFlags: [['RO', 'access']], subcommands: [] })
 *   // → 'replica'
 */
export function classifyCommand(spec: CommandSpec): RouteClass {
  const name = spec.name;
  const container = name.includes('|') ? name.slice(0, name.indexOf('|')) : name;
  if (SESSION.has(name)) return 'session';
  if (PINNED.has(name)) return 'pinned';
  const flags = new Set(spec.flags.map((f) => f.toLowerCase()));
  const writes =
    flags.has('write') ||
    flags.has('may_replicate') ||
    spec.keySpecFlags.some((ks) => ks.some((f) => WRITE_KEY_FLAGS.has(f.toLowerCase())));
  // Blocking writes (BLPOP, BLMOVE, BZPOPMIN, XREADGROUP …) hold the connection: pinned.
  // XREAD is blocking but read-only: a replica serves it as well as the master.
  if (flags.has('blocking') && !(flags.has('readonly') && !writes)) return 'pinned';
  if (ADMIN.has(name) || ADMIN.has(container)) return 'admin';
  if (NODE_LOCAL.has(name) || NODE_LOCAL.has(container)) return 'node-local';
  if (writes || MASTER_DESPITE_READONLY.has(name)) return 'master';
  if (flags.has('readonly')) return 'replica';
  if (flags.has('admin')) return 'admin';
  return 'master';
}

/** A top-level command as {@link CommandTable.entry} finds it from the request's bytes. */
export interface CommandEntry {
  /** Lower case. */
  readonly name: string;
  /** Its route; for a container, the route when the subcommand is unknown. */
  readonly route: CommandRoute;
  /** Whether the route depends on the subcommand (CONFIG, CLIENT, SCRIPT …). */
  readonly container: boolean;
}

/** A {@link CommandEntry} with its name's bytes, to check a hash hit. */
interface ByteEntry extends CommandEntry {
  readonly bytes: Buffer;
}

/** A routing table: command (and subcommand) name → route. */
export class CommandTable {
  private readonly routes = new Map<string, CommandRoute>();
  /** Containers (CONFIG, CLIENT, SCRIPT …): their route depends on the subcommand. */
  private readonly containers = new Set<string>();
  /** Top-level commands by the hash of their lower-case name (see {@link entry}). */
  private readonly byHash = new Map<number, ByteEntry[]>();
  private lastEntry: ByteEntry | undefined;

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) {
      this.add(spec);
      if (spec.subcommands.length > 0) this.containers.add(spec.name);
      for (const sub of spec.subcommands) this.add(sub);
    }
    for (const [name, route] of this.routes) {
      if (name.includes('|')) continue;
      const bytes = Buffer.from(name, 'latin1');
      const h = nameHash(bytes);
      const list = this.byHash.get(h) ?? [];
      list.push({ name, route, container: this.containers.has(name), bytes });
      this.byHash.set(h, list);
    }
  }

  /**
   * The top-level command named by `name` (the request's first argument, any case), found
   * without making a string: the hot path of every request. Undefined when it is not in the
   * table (the caller then lower-cases it and uses {@link lookup}).
   */
  entry(name: Buffer): CommandEntry | undefined {
    // Clients repeat commands (a GET-heavy load is GET after GET): the last hit is tried first.
    const last = this.lastEntry;
    if (last !== undefined && sameName(last.bytes, name)) return last;
    const list = this.byHash.get(nameHash(name));
    if (list === undefined) return undefined;
    for (const e of list) {
      if (sameName(e.bytes, name)) {
        this.lastEntry = e;
        return e;
      }
    }
    return undefined;
  }

  private add(spec: CommandSpec): void {
    this.routes.set(spec.name, routeOf(spec));
  }

  /** Every command and subcommand name in the table. */
  names(): string[] {
    return [...this.routes.keys()];
  }

  /** Whether the route of `name` depends on its first argument. */
  isContainer(name: string): boolean {
    return this.containers.has(name);
  }

  /**
   * The route for a command given its lower-case name and, for containers, the lower-case
   * subcommand. Unknown commands (modules, newer servers) go to the master.
   */
  lookup(name: string, sub?: string): CommandRoute {
    if (sub !== undefined && this.containers.has(name)) {
      const r = this.routes.get(`${name}|${sub}`);
      if (r) return r;
    }
    return this.routes.get(name) ?? UNKNOWN;
  }
}

/** A command's route: its class and the flags the session acts on, computed once. */
export function routeOf(spec: CommandSpec): CommandRoute {
  const cls = classifyCommand(spec);
  const name = spec.name;
  return {
    class: cls,
    broadcast: BROADCAST.has(name),
    shareable: isShareable(spec, cls),
    passthrough: PASSTHROUGH.has(name),
    replication: REPLICATION.has(name),
    state: STATE.has(name),
    blocking:
      cls === 'pinned' &&
      (BLOCKING_BY_NAME.has(name) || spec.flags.some((f) => f.toLowerCase() === 'blocking')),
  };
}

const UNKNOWN: CommandRoute = {
  class: 'unknown',
  broadcast: false,
  shareable: false,
  passthrough: false,
  replication: false,
  state: false,
  blocking: false,
};

/** ASCII lower case of one byte (Redis compares command names with strcasecmp). */
function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/**
 * FNV-1a (32 bit) of the ASCII lower-case bytes, cut to 30 bits: a small integer is a cheaper
 * Map key than a heap number.
 */
function nameHash(b: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ lowerByte(b[i] ?? 0), 0x01000193);
  return h & 0x3fffffff;
}

/** Whether `name` equals the lower-case `lowerName` ignoring ASCII case. */
function sameName(lowerName: Buffer, name: Buffer): boolean {
  if (lowerName.length !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (lowerByte(name[i] ?? 0) !== lowerName[i]) return false;
  return true;
}

/** Connection-state commands that the class lists do not already hold back from sharing. */
const CONNECTION_STATE = new Set(['readonly', 'readwrite', 'asking']);

/**
 * Whether a command may run on a backend connection shared by many clients: plain reads,
 * writes and node-local queries, plus PING/ECHO. Not: anything blocking (XREAD BLOCK too),
 * transactions, pub/sub, session state, other CLIENT subcommands (they read or set the
 * connection's own state), admin and unknown commands.
 */
function isShareable(spec: CommandSpec, cls: RouteClass): boolean {
  const name = spec.name;
  // CLIENT SETINFO only labels the connection (ioredis and node-redis send it on connect):
  // sharing it is harmless, refusing it would give every such client its own connections.
  if (name === 'ping' || name === 'echo' || name === 'client|setinfo') return true;
  if (cls !== 'master' && cls !== 'replica' && cls !== 'node-local') return false;
  if (name === 'client' || name.startsWith('client|') || CONNECTION_STATE.has(name)) return false;
  return !spec.flags.some((f) => f.toLowerCase() === 'blocking');
}

/**
 * Turns a decoded `COMMAND` / `COMMAND INFO` reply (RESP2 or RESP3 shape) into specs.
 * Each entry: name, arity, flags, first key, last key, step, ACL categories, tips, key specs,
 * subcommands (Redis 7 layout; older servers stop after the step and get no key specs).
 */
export function parseCommandInfo(reply: RespValue): CommandSpec[] {
  if (!Array.isArray(reply)) throw new Error('COMMAND reply is not an array');
  const out: CommandSpec[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue; // COMMAND INFO answers null for unknown names
    out.push(parseEntry(entry));
  }
  return out;
}

function parseEntry(entry: RespValue[]): CommandSpec {
  const [name, arity, flags] = entry;
  const keySpecs = entry[8];
  const subs = entry[9];
  return {
    name: asString(name).toLowerCase(),
    arity: typeof arity === 'number' ? arity : 0,
    flags: Array.isArray(flags) ? flags.map(asString) : [],
    keySpecFlags: Array.isArray(keySpecs) ? keySpecs.map(keySpecFlagsOf) : [],
    subcommands: Array.isArray(subs) ? subs.filter((s) => Array.isArray(s)).map(parseEntry) : [],
  };
}

/** A key spec is a flat key/value array (RESP2) or a map decoded to one: find `flags`. */
function keySpecFlagsOf(spec: RespValue): string[] {
  if (!Array.isArray(spec)) return [];
  for (let i = 0; i + 1 < spec.length; i += 2) {
    if (spec[i] === 'flags') {
      const v = spec[i + 1];
      return Array.isArray(v) ? v.map(asString) : [];
    }
  }
  return [];
}

function asString(v: RespValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v instanceof RespErrorReply) return v.message;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}
