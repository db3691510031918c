import type { Answer, Question } from 'dns-packet';
import { canonicalName } from './dns-names.js';
import type { ZoneIndex } from './zone-index.js';

/** The response codes a zone answer has (RFC 1035 §4.1.1). */
export type ZoneRcode = 'NOERROR' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

/** An authoritative answer to one question (the AA bit is set on it). */
export interface ZoneReply {
  rcode: ZoneRcode;
  answers: Answer[];
  /** The zone's SOA for NXDOMAIN and NODATA (RFC 2308): how long a miss may be cached. */
  authorities: Answer[];
  /** The addresses of the SRV targets, so a client needs no second query. */
  additionals: Answer[];
}

/**
 * Answers one question from the index, or returns undefined when the name is not in a zone
 * of ours (the caller forwards it). Inside a zone:
 * - records of the asked type (every type for ANY) → NOERROR with them;
 * - a name that exists without that type (AAAA of an IPv4 Service, an empty non-terminal such
 *   as `<ns>.svc.<zone>`) → NODATA: NOERROR, no answer, the SOA — never NXDOMAIN, which would
 *   tell a client (musl's, say) that the A record does not exist either;
 * - a name that does not exist → NXDOMAIN with the SOA;
 * - a class other than IN → NOTIMP; a zone transfer → REFUSED.
 * Names compare case-insensitively; answers are owned by the name as the question spelled it.
 *
 * @example
 *   answerQuestion(index, { name: 'redis.default.svc.cluster.local', type: 'A' });
 *   // { rcode: 'NOERROR', answers: [{ type: 'A', data: '10.96.0.10', ttl: 5, … }], … }
 */
export function answerQuestion(index: ZoneIndex, question: Question): ZoneReply | undefined {
  const name = canonicalName(question.name);
  const zone = index.zoneOf(name);
  if (zone === undefined) return undefined;
  const reply: ZoneReply = { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
  const cls = question.class ?? 'IN';
  if (cls !== 'IN' && cls !== 'ANY') return { ...reply, rcode: 'NOTIMP' };
  const type: string = question.type;
  if (type === 'AXFR' || type === 'IXFR') return { ...reply, rcode: 'REFUSED' };

  const owner = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  const records = index.recordsAt(name).filter((r) => type === 'ANY' || r.type === type);
  if (records.length > 0) {
    reply.answers = records.map((r) => ({ ...r, name: owner }));
    reply.additionals = srvTargetAddresses(index, records);
    return reply;
  }
  reply.authorities = [index.soa(zone)];
  if (!index.exists(name)) reply.rcode = 'NXDOMAIN';
  return reply;
}

/** The A/AAAA records of the targets of the SRV records among `records`, each once. */
function srvTargetAddresses(index: ZoneIndex, records: readonly Answer[]): Answer[] {
  const targets = new Set<string>();
  for (const r of records) if (r.type === 'SRV') targets.add(r.data.target);
  return [...targets].flatMap((t) =>
    index.recordsAt(t).filter((r) => r.type === 'A' || r.type === 'AAAA'),
  );
}
