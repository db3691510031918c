import { checkConfigMapKey } from './names.js';
import { isObject, typeMismatch, type Fields } from './reader.js';
import { childPath } from './yaml-documents.js';

const MAX_DATA_BYTES = 1024 * 1024;

// Go's base64.StdEncoding, which the API server decodes `data` with (it skips CR and LF).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strictly decodes standard base64 (padding required), or undefined when it is not. */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

function checkKeys(f: Fields, key: string, keys: Iterable<string>): void {
  for (const k of keys) {
    const bad = checkConfigMapKey(k);
    if (bad !== undefined)
      f.ctx.error(childPath(f.at(key), k), `key ${bad}`, 'invalid-value', 'key');
  }
}

/**
 * A map of base64 strings (Secret `data`, ConfigMap `binaryData`) decoded to bytes. Values
 * are never echoed in messages: they may be secrets.
 */
export function readBase64Map(f: Fields, key: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const raw = f.raw(key);
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    f.ctx.error(f.at(key), typeMismatch('object', raw), 'wrong-type');
    return out;
  }
  checkKeys(f, key, Object.keys(raw));
  for (const [k, v] of Object.entries(raw)) {
    const path = childPath(f.at(key), k);
    if (v === null) {
      out[k] = Buffer.alloc(0);
      continue;
    }
    if (typeof v !== 'string') {
      f.ctx.error(
        path,
        `expected a base64 string, got ${Array.isArray(v) ? 'array' : typeof v}`,
        'wrong-type',
      );
      continue;
    }
    const bytes = decodeBase64(v);
    if (bytes === undefined) {
      f.ctx.error(
        path,
        'must be base64-encoded (put plain text under stringData instead)',
        'invalid-base64',
      );
      continue;
    }
    out[k] = bytes;
  }
  return out;
}

/** A map of plain strings (ConfigMap `data`, Secret `stringData`) with valid keys. */
export function readStringData(f: Fields, key: string): Record<string, string> {
  const data = f.stringMap(key) ?? {};
  checkKeys(f, key, Object.keys(data));
  return data;
}

export function checkTotalSize(f: Fields, sizes: number): void {
  if (sizes > MAX_DATA_BYTES) {
    f.ctx.error(f.path, `data must total at most 1 MiB, got ${sizes} bytes`);
  }
}
