import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type Tags,
} from 'yaml';
import type { Diagnostic } from './diagnostic.js';

/** A manifest value as JSON sees it (YAML is converted to this, as kubectl does). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Where a node is in the source text (1-based), plus its key's position for map entries. */
export interface NodePosition {
  line: number;
  column: number;
  keyLine?: number;
  keyColumn?: number;
  /** A scalar's text as written (e.g. `yes`, `0644`), for messages about YAML 1.1 surprises. */
  source?: string;
  /** True for an unquoted scalar. */
  plain?: boolean;
}

/** `spec` + `containers` → `spec.containers`; keys that are not identifiers use `[key]`. */
export function childPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${key}]`;
}

/** `spec.containers` + 1 → `spec.containers[1]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** The path one level up: `a.b[1]` → `a.b`, `a.b` → `a`, `a` → ``. */
export function parentPath(path: string): string {
  if (path.endsWith(']')) {
    const open = path.lastIndexOf('[');
    return open <= 0 ? '' : path.slice(0, open);
  }
  const cut = path.lastIndexOf('.');
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** The path → position lookup of one document. */
export class PositionMap {
  private readonly entries = new Map<string, NodePosition>();

  set(path: string, position: NodePosition, overwrite = true): void {
    const existing = this.entries.get(path);
    if (existing === undefined) this.entries.set(path, position);
    else if (overwrite) this.entries.set(path, { ...existing, ...position });
  }

  get(path: string): NodePosition | undefined {
    return this.entries.get(path);
  }

  /**
   * The position of `path` (its value, or its key with `at: 'key'`), or of its nearest
   * ancestor when the path is absent (a missing required field points at its parent mapping).
   */
  locate(path: string, at: 'value' | 'key' = 'value'): { line: number; column: number } {
    let current = path;
    for (;;) {
      const entry = this.entries.get(current);
      if (entry !== undefined) {
        if (at === 'key' && current === path && entry.keyLine !== undefined) {
          return { line: entry.keyLine, column: entry.keyColumn ?? 1 };
        }
        return { line: entry.line, column: entry.column };
      }
      if (current === '') return { line: 1, column: 1 };
      current = parentPath(current);
    }
  }
}

/** One YAML/JSON document of a file: its value and where each of its nodes is. */
export interface ParsedDocument {
  /** 0-based index of the document in the file. */
  index: number;
  value: JsonValue;
  positions: PositionMap;
}

export interface ParsedFile {
  /** Non-empty documents that parsed without syntax errors. */
  documents: ParsedDocument[];
  /** Syntax errors and duplicate keys, with positions. */
  diagnostics: Diagnostic[];
}

// Kubernetes reads YAML through go-yaml v2 (YAML 1.1): `0644` is octal, `yes`/`on` are
// booleans. go-yaml has no sexagesimal numbers (`1:20` stays a string), and JSON has no
// dates, so a plain `2024-01-02` is kept as the text the user wrote.
const dropTags = (tags: Tags): Tags =>
  tags.filter((tag) => {
    if (typeof tag === 'string') return true;
    if ('format' in tag && tag.format === 'TIME') return false;
    return tag.tag !== 'tag:yaml.org,2002:timestamp';
  });

const MAX_ALIAS_DEPTH = 32;

/**
 * Parses every document of a YAML (1.1, as Kubernetes does) or JSON text, keeping the
 * position of every node. Empty documents are skipped; a document with syntax errors is
 * reported and not returned.
 */
export function parseYamlDocuments(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: '1.1',
    lineCounter,
    uniqueKeys: false, // duplicates are found below, with their path
    prettyErrors: false,
    customTags: dropTags,
  });
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const problems = [...doc.errors];
    for (const err of problems) {
      diagnostics.push({
        severity: 'error',
        code: 'yaml-syntax',
        file,
        ...position(err.pos[0]),
        path: '',
        message: `YAML syntax error: ${err.message}`,
      });
    }
    if (problems.length > 0 || doc.contents === null) return;
    const positions = new PositionMap();
    const walker = new Walker(doc, file, positions, diagnostics, position);
    const value = walker.walk(doc.contents, '', 0, true);
    if (value === null) return; // `~` or an empty document: nothing to apply, as kubectl
    documents.push({ index, value, positions });
  });
  return { documents, diagnostics };
}

class Walker {
  private readonly doc: Document.Parsed;
  private readonly file: string;
  private readonly positions: PositionMap;
  private readonly diagnostics: Diagnostic[];
  private readonly position: (offset: number) => { line: number; column: number };

  constructor(
    doc: Document.Parsed,
    file: string,
    positions: PositionMap,
    diagnostics: Diagnostic[],
    position: (offset: number) => { line: number; column: number },
  ) {
    this.doc = doc;
    this.file = file;
    this.positions = positions;
    this.diagnostics = diagnostics;
    this.position = position;
  }

  private error(offset: number, path: string, code: string, message: string): void {
    this.diagnostics.push({
      severity: 'error',
      code,
      file: this.file,
      ...this.position(offset),
      path,
      message,
    });
  }

  walk(node: YamlNode | null, path: string, depth: number, record: boolean): JsonValue {
    if (node === null) return null;
    const start = node.range?.[0] ?? 0;
    if (record || this.positions.get(path) === undefined) {
      const at = this.position(start);
      this.positions.set(
        path,
        isScalar(node) ? { ...at, source: node.source ?? '', plain: node.type === 'PLAIN' } : at,
        record,
      );
    }
    if (isAlias(node)) {
      const target = depth < MAX_ALIAS_DEPTH ? node.resolve(this.doc) : undefined;
      if (target === undefined) {
        this.error(
          start,
          path,
          'yaml-syntax',
          `unresolved or too deeply nested alias *${node.source}`,
        );
        return null;
      }
      // The alias's own position stays recorded for `path`; its children point at the anchor.
      return this.walk(target, path, depth + 1, false);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
      if (typeof v === 'number') return v;
      this.error(start, path, 'yaml-syntax', `unsupported YAML value (tag ${node.tag ?? '?'})`);
      return null;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) =>
        this.walk(item as YamlNode | null, indexPath(path, i), depth, record),
      );
    }
    if (isMap(node)) {
      const out: JsonObject = {};
      const seen = new Set<string>();
      const merges: YamlNode[] = [];
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        const value = pair.value as YamlNode | null;
        if (isScalar(key) && typeof key.value === 'symbol') {
          if (value !== null) merges.push(value);
          continue;
        }
        if (key !== null && !isScalar(key)) {
          this.error(key.range?.[0] ?? start, path, 'yaml-syntax', 'mapping keys must be scalars');
          continue;
        }
        const name = key === null || key.value === null ? '' : scalarKey(key.value);
        const keyPath = childPath(path, name);
        const keyAt = this.position(key?.range?.[0] ?? start);
        if (seen.has(name)) {
          // Kubernetes' strict decoding rejects duplicate fields.
          this.error(key?.range?.[0] ?? start, keyPath, 'duplicate-key', `duplicate key "${name}"`);
        }
        seen.add(name);
        // A key without a value (`emptyDir:`) is null, positioned at its key.
        this.positions.set(
          keyPath,
          { ...keyAt, keyLine: keyAt.line, keyColumn: keyAt.column },
          record,
        );
        setOwn(out, name, this.walk(value, keyPath, depth, record));
      }
      for (const source of merges) this.merge(out, seen, source, path, depth);
      return out;
    }
    this.error(start, path, 'yaml-syntax', 'unsupported YAML node');
    return null;
  }

  // YAML 1.1 merge keys (`<<: *defaults`), which go-yaml honours: keys already present win.
  private merge(
    out: JsonObject,
    seen: Set<string>,
    source: YamlNode,
    path: string,
    depth: number,
  ): void {
    const resolved = isAlias(source) ? source.resolve(this.doc) : source;
    if (resolved === undefined || depth > MAX_ALIAS_DEPTH) return;
    if (isSeq(resolved)) {
      for (const item of resolved.items) this.merge(out, seen, item as YamlNode, path, depth + 1);
      return;
    }
    // Merged keys get positions only where the mapping has none of its own.
    const value = this.walk(resolved, path, depth + 1, false);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(
        resolved.range?.[0] ?? 0,
        path,
        'yaml-syntax',
        'a merge key (<<) must name a mapping',
      );
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      if (seen.has(key)) continue;
      seen.add(key);
      setOwn(out, key, v);
    }
  }
}

function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  // defineProperty, so a key named `__proto__` is data and not the prototype.
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

// Kubernetes converts YAML to JSON, whose keys are strings: `80: x` has the key "80".
function scalarKey(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}
