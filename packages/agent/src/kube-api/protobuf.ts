/**
 * The Kubernetes protobuf encoding, read for the kinds kubectl's `create` subcommands send
 * that way (`kubectl create namespace|configmap|secret`: its typed client posts
 * `application/vnd.kubernetes.protobuf`): the `k8s\0` envelope (runtime.Unknown: typeMeta,
 * raw), then the object's own message (generated.proto of core/v1 and meta/v1) into the JSON
 * the rest of the API reads. Other kinds are refused with 415 and what to do instead.
 * Bounded by the body's size (readBody's limit); a malformed message is a 400.
 */
import { refuse } from './status.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; int?: bigint; bytes?: Buffer };

/** The fields of one message, in order (repeated fields appear once per value). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buf.length || shift > 63n) malformed();
      const b = buf[at++] ?? 0;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (at + len > buf.length) malformed();
      out.push({ no, wire, bytes: buf.subarray(at, at + len) });
      at += len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else malformed();
    if (at > buf.length) malformed();
  }
  return out;
}

function malformed(): never {
  refuse('BadRequest', 'the request body is not a valid Kubernetes protobuf message');
}

const str = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

function map<T>(entries: Field[], value: (f: Field) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const e of entries) {
    let k = '';
    let v: T | undefined;
    for (const f of fields(e.bytes ?? Buffer.alloc(0))) {
      if (f.no === 1) k = str(f);
      else if (f.no === 2) v = value(f);
    }
    out[k] = v ?? value({ no: 2, wire: 2, bytes: Buffer.alloc(0) });
  }
  return out;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const meta: Record<string, unknown> = {};
  const one = (no: number, name: string): void => {
    const f = fs.find((x) => x.no === no);
    if (f !== undefined) meta[name] = str(f);
  };
  one(1, 'name');
  one(2, 'generateName');
  one(3, 'namespace');
  one(6, 'resourceVersion');
  const labels = fs.filter((x) => x.no === 11);
  if (labels.length > 0) meta.labels = map(labels, str);
  const annotations = fs.filter((x) => x.no === 12);
  if (annotations.length > 0) meta.annotations = map(annotations, str);
  return meta;
}

const base64 = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('base64');

/** The object a protobuf body holds, as JSON. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) malformed();
  const envelope = fields(body.subarray(4));
  const typeMeta = fields(envelope.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta.find((f) => f.no === 1) ?? { no: 1, wire: 2 });
  const kind = str(typeMeta.find((f) => f.no === 2) ?? { no: 2, wire: 2 });
  const raw = envelope.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0);
  const fs = fields(raw);
  const metadata = objectMeta(fs.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const object: Record<string, unknown> = { apiVersion, kind, metadata };
  const mapOf = (no: number, value: (f: Field) => string): Record<string, string> | undefined => {
    const entries = fs.filter((f) => f.no === no);
    return entries.length === 0 ? undefined : map(entries, value);
  };
  const bool = (no: number): boolean | undefined => {
    const f = fs.find((x) => x.no === no);
    return f === undefined ? undefined : f.int !== 0n;
  };
  if (apiVersion === 'v1' && kind === 'Namespace') return object;
  if (apiVersion === 'v1' && kind === 'ConfigMap') {
    const data = mapOf(2, str);
    const binaryData = mapOf(3, base64);
    if (data !== undefined) object.data = data;
    if (binaryData !== undefined) object.binaryData = binaryData;
    const immutable = bool(4);
    if (immutable !== undefined) object.immutable = immutable;
    return object;
  }
  if (apiVersion === 'v1' && kind === 'Secret') {
    const data = mapOf(2, base64);
    const stringData = mapOf(4, str);
    const type = fs.find((f) => f.no === 3);
    if (data !== undefined) object.data = data;
    if (stringData !== undefined) object.stringData = stringData;
    if (type !== undefined) object.type = str(type);
    const immutable = bool(5);
    if (immutable !== undefined) object.immutable = immutable;
    return object;
  }
  refuse(
    'UnsupportedMediaType',
    `podkit reads ${kind === '' ? 'this object' : `a ${kind}`} as JSON or YAML only (protobuf is read for Namespaces, ConfigMaps and Secrets): \`kubectl create … --dry-run=client -o yaml | kubectl apply -f -\``,
  );
}
