/**
 * Label and field selectors as the API server reads them from `?labelSelector=` and
 * `?fieldSelector=` (k8s.io/apimachinery labels.Parse and fields.ParseSelector, the parts
 * kubectl sends). A selector that cannot be read is a 400 BadRequest.
 */
import { refuse } from './status.js';

export type Requirement =
  | { key: string; op: '=' | '!='; values: [string] }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!'; values: [] };

/** `a=b,c!=d,e in (x,y),!f` → requirements (all must hold); empty or absent: everything. */
export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  const src = (text ?? '').trim();
  if (src === '') return [];
  const out: Requirement[] = [];
  for (const part of splitTopLevel(src)) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=,()]+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(p)) !== null) {
      const [, key = '', op = 'in', list = ''] = m;
      const values = list
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      out.push({ key: checkKey(key, src), op: op as 'in' | 'notin', values });
    } else if ((m = /^([^\s!=,()]+)\s*(==|!=|=)\s*([^\s!=,()]*)$/.exec(p)) !== null) {
      const [, key = '', op = '=', value = ''] = m;
      out.push({
        key: checkKey(key, src),
        op: op === '!=' ? '!=' : '=',
        values: [checkValue(value, src)],
      });
    } else if ((m = /^!\s*([^\s!=,()]+)$/.exec(p)) !== null) {
      out.push({ key: checkKey(m[1] ?? '', src), op: '!', values: [] });
    } else if (/^[^\s!=,()]+$/.test(p)) {
      out.push({ key: checkKey(p, src), op: 'exists', values: [] });
    } else {
      refuse(
        'BadRequest',
        `unable to parse requirement: found '${p}', expected: in, notin, =, ==, !=, gt, lt`,
      );
    }
  }
  return out;
}

/** Splits on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string, src: string): string {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (
    name.length > 63 ||
    !NAME.test(name) ||
    (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))
  )
    refuse('BadRequest', `unable to parse requirement: invalid label key "${key}" in "${src}"`);
  return key;
}

function checkValue(value: string, src: string): string {
  if (value !== '' && (value.length > 63 || !NAME.test(value)))
    refuse(
      'BadRequest',
      `unable to parse requirement: invalid label value: "${value}" in "${src}"`,
    );
  return value;
}

/** True when the labels satisfy every requirement. */
export function labelsMatch(
  reqs: readonly Requirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v ?? '');
      case 'notin':
        return !has || !r.values.includes(v ?? '');
      case 'exists':
        return has;
      case '!':
        return !has;
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/**
 * `metadata.name=web,status.phase!=Running` → requirements; a field the resource does not
 * index (`supported`) is a 400, as the API server's "field label not supported".
 */
export function parseFieldSelector(
  text: string | null | undefined,
  supported: readonly string[],
  kind: string,
): FieldRequirement[] {
  const src = (text ?? '').trim();
  if (src === '') return [];
  return src.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(part);
    if (m === null) refuse('BadRequest', `invalid selector: '${src}'; can't understand '${part}'`);
    const [, field = '', op = '=', value = ''] = m;
    if (!supported.includes(field))
      refuse('BadRequest', `field label not supported: ${field}`, { kind });
    return { field, op: op === '!=' ? '!=' : '=', value };
  });
}

/** True when the object's indexed fields satisfy every requirement. */
export function fieldsMatch(
  reqs: readonly FieldRequirement[],
  fields: Readonly<Record<string, string>>,
): boolean {
  return reqs.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === '='));
}
