import { RespErrorReply, type RespValue } from '../resp/decode.js';
import type { Endpoint } from '../router/address.js';

/** What a node says about itself in `INFO replication`. */
export interface ReplicationInfo {
  readonly role: 'master' | 'slave' | 'unknown';
  /** Master: master_repl_offset. Replica: slave_repl_offset (applied), -1 when unknown. */
  readonly offset: number;
  /** Replica: the master it follows. */
  readonly masterOf?: Endpoint | undefined;
  /** Replica: master_link_status is `up`. */
  readonly linkUp: boolean;
  /** Replica: seconds since the last interaction with its master (-1 when unknown). */
  readonly lastIoSecondsAgo: number;
  /**
   * Replica: seconds its master link has been down (`master_link_down_since_seconds`); -1 when
   * the link is up or was never up (a new replica still on its first sync).
   */
  readonly linkDownSeconds: number;
  /** Master: its online replicas (`slaveN:ip=…,port=…,state=online`). */
  readonly replicas: readonly Endpoint[];
}

/** Parses an `INFO replication` reply; throws on an error reply. */
export function parseReplicationInfo(reply: RespValue): ReplicationInfo {
  if (reply instanceof RespErrorReply) throw new Error(reply.message);
  if (typeof reply !== 'string') throw new Error('INFO reply is not a string');
  const fields = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  const roleText = fields.get('role');
  const role = roleText === 'master' || roleText === 'slave' ? roleText : 'unknown';
  const num = (k: string): number => {
    const v = Number(fields.get(k) ?? NaN);
    return Number.isFinite(v) ? v : -1;
  };
  const replicas: Endpoint[] = [];
  for (const [k, v] of fields) {
    if (!/^slave\d+$/.test(k)) continue;
    const kv = new Map(
      v.split(',').map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq), p.slice(eq + 1)] as const;
      }),
    );
    const ip = kv.get('ip');
    const port = Number(kv.get('port'));
    if (ip !== undefined && Number.isInteger(port) && kv.get('state') === 'online') {
      replicas.push({ host: ip, port });
    }
  }
  const masterHost = fields.get('master_host');
  const masterPort = Number(fields.get('master_port'));
  return {
    role,
    offset: role === 'master' ? num('master_repl_offset') : num('slave_repl_offset'),
    masterOf:
      masterHost !== undefined && Number.isInteger(masterPort)
        ? { host: masterHost, port: masterPort }
        : undefined,
    linkUp: fields.get('master_link_status') === 'up',
    lastIoSecondsAgo: num('master_last_io_seconds_ago'),
    linkDownSeconds: num('master_link_down_since_seconds'),
    replicas,
  };
}

/** `ROLE` → the role and the offset (master: its offset; replica: the applied offset). */
export function parseRole(reply: RespValue): { role: string; offset: number } {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new Error('bad ROLE reply');
  const role = reply[0];
  const raw = role === 'master' ? reply[1] : role === 'slave' ? reply[4] : -1;
  return { role, offset: typeof raw === 'number' ? raw : -1 };
}

/** A flat key/value array (SENTINEL replies, RESP2 maps) as a Map of strings. */
export function flatMap(v: RespValue): Map<string, string> {
  const m = new Map<string, string>();
  if (!Array.isArray(v)) return m;
  for (let i = 0; i + 1 < v.length; i += 2) {
    const k = v[i];
    const val = v[i + 1];
    if (typeof k === 'string')
      m.set(k, typeof val === 'string' || typeof val === 'number' ? String(val) : '');
  }
  return m;
}
