import { Document, isScalar, visit } from 'yaml';
import type { JsonValue } from '@podkit/runtime';

// Words YAML 1.1 (go-yaml v2, which kubectl uses) reads as booleans or null, in any case.
const YAML11_WORDS = new Set([
  'y',
  'yes',
  'n',
  'no',
  'true',
  'false',
  'on',
  'off',
  'null',
  '~',
  '',
]);

// What go-yaml v2 (kubectl) would read as a number, a date or a base-60 number: Go's
// `strconv.ParseInt(s, 0, 64)` takes `0o644`, `0b101`, `0x1F` and `1_000`; floats take
// `1e3`, `.5`, `1.`; YAML 1.1 adds `1:20` and dates. Quantities such as `100m` or `64Mi`
// stay plain: no number syntax ends in a letter other than these.
const NUMBER_LIKE = [
  /^[-+]?[0-9._]+$/,
  /^[-+]?0[xXoObB][0-9a-fA-F_.pP+-]*$/,
  /^[-+]?[0-9._]*[eE][-+]?[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(:[0-9_]+)+(\.[0-9_]*)?$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/,
  /^[-+]?\.(inf|nan)$/i,
];

/**
 * Whether a string must be quoted so that kubectl reads it back as a string: YAML 1.1's
 * boolean and null words in any case, and anything number-like (above). Over-quoting is
 * harmless; a string read back as a number is not.
 */
export function mustQuote(text: string): boolean {
  if (YAML11_WORDS.has(text.toLowerCase())) return true;
  if (NUMBER_LIKE.some((re) => re.test(text))) return true;
  return text === '<<' || text === '=';
}

/**
 * Objects as one multi-document YAML text that kubectl (YAML 1.1) reads back unchanged:
 * strings that 1.1 would turn into numbers or booleans are double-quoted, numbers stay
 * numbers (a file mode is printed as its decimal value: `0644` → `420`), long strings are
 * never folded.
 *
 * @example
 *   toKubeYaml([{ data: { enabled: 'yes', mode: '0644' } }]);
 *   // → 'data:\n  enabled: "yes"\n  mode: "0644"\n'
 */
export function toKubeYaml(objects: readonly JsonValue[]): string {
  return objects
    .map((object) => {
      const doc = new Document(object, { version: '1.1', aliasDuplicateObjects: false });
      visit(doc, {
        Scalar(_key, node) {
          if (isScalar(node) && typeof node.value === 'string' && mustQuote(node.value)) {
            node.type = 'QUOTE_DOUBLE';
          }
        },
      });
      return doc.toString({ lineWidth: 0, minContentWidth: 0 });
    })
    .join('---\n');
}
