import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childPath, parentPath, parseYamlDocuments } from './yaml-documents.js';

function one(text: string) {
  const parsed = parseYamlDocuments(text, 'x.yaml');
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.documents.length, 1);
  const [doc] = parsed.documents;
  return doc!;
}

describe('YAML 1.1 scalars (as Kubernetes reads them)', () => {
  it('reads 0644 as octal 420 and keeps the source text', () => {
    const doc = one('defaultMode: 0644\nother: 0o17\nhex: 0x1F\n');
    assert.deepEqual(doc.value, { defaultMode: 420, other: '0o17', hex: 31 });
    assert.equal(doc.positions.get('defaultMode')?.source, '0644');
  });

  it('reads yes/no/on/off/y/n as booleans, quoted ones as strings', () => {
    const doc = one('a: yes\nb: no\nc: on\nd: off\ne: Y\nf: "yes"\ng: True\n');
    assert.deepEqual(doc.value, {
      a: true,
      b: false,
      c: true,
      d: false,
      e: true,
      f: 'yes',
      g: true,
    });
    assert.equal(doc.positions.get('a')?.plain, true);
    assert.equal(doc.positions.get('f')?.plain, false);
  });

  it('keeps what go-yaml keeps as strings: sexagesimal-looking and dates', () => {
    const doc = one('time: 1:20\ndate: 2024-01-02\nnull1: ~\nnull2:\n');
    assert.deepEqual(doc.value, { time: '1:20', date: '2024-01-02', null1: null, null2: null });
  });

  it('reads floats, exponents and binary integers', () => {
    const doc = one('f: 1.5\ne: 1e3\nb: 0b101\nu: 1_000\n');
    assert.deepEqual(doc.value, { f: 1.5, e: 1000, b: 5, u: 1000 });
  });
});

describe('parseYamlDocuments', () => {
  it('gives 1-based line/column for values and keys', () => {
    const doc = one('spec:\n  containers:\n    - name: web\n      image: nginx\n');
    assert.deepEqual(doc.positions.locate('spec.containers[0].image'), { line: 4, column: 14 });
    assert.deepEqual(doc.positions.locate('spec.containers[0].image', 'key'), {
      line: 4,
      column: 7,
    });
    assert.deepEqual(doc.positions.locate('spec.containers[0]'), { line: 3, column: 7 });
    // A missing field points at its nearest ancestor.
    assert.deepEqual(doc.positions.locate('spec.containers[0].ports[0]'), { line: 3, column: 7 });
  });

  it('splits multi-document files and skips empty documents', () => {
    const parsed = parseYamlDocuments(
      'a: 1\n---\n---\n# only a comment\n---\nb: 2\n---\n~\n',
      'x.yaml',
    );
    assert.deepEqual(
      parsed.documents.map((d) => [d.index, d.value]),
      [
        [0, { a: 1 }],
        [3, { b: 2 }],
      ],
    );
    assert.deepEqual(parsed.documents[1]!.positions.locate('b'), { line: 6, column: 4 });
  });

  it('reports duplicate keys with their path and position', () => {
    const parsed = parseYamlDocuments('metadata:\n  name: a\n  name: b\n', 'x.yaml');
    assert.deepEqual(parsed.diagnostics, [
      {
        severity: 'error',
        code: 'duplicate-key',
        file: 'x.yaml',
        line: 3,
        column: 3,
        path: 'metadata.name',
        message: 'duplicate key "name"',
      },
    ]);
  });

  it('reports syntax errors with a position and drops that document only', () => {
    const parsed = parseYamlDocuments('a: 1\n---\nx: [1, 2\n---\nb: 2\n', 'x.yaml');
    assert.equal(parsed.diagnostics.length >= 1, true);
    const first = parsed.diagnostics[0]!;
    assert.equal(first.code, 'yaml-syntax');
    assert.equal(first.line, 4);
    assert.match(first.message, /^YAML syntax error: /);
    assert.deepEqual(
      parsed.documents.map((d) => d.value),
      [{ a: 1 }, { b: 2 }],
    );
  });

  it('resolves aliases and merge keys (explicit keys win)', () => {
    const doc = one('base: &b {p: 1, q: 2}\nuse:\n  <<: *b\n  q: 3\nref: *b\n');
    assert.deepEqual(doc.value, { base: { p: 1, q: 2 }, use: { q: 3, p: 1 }, ref: { p: 1, q: 2 } });
    assert.deepEqual(doc.positions.locate('ref'), { line: 5, column: 6 });
  });

  it('reads JSON, with positions', () => {
    const doc = one('{\n  "kind": "Pod",\n  "spec": {"containers": [{"name": "a"}]}\n}\n');
    assert.deepEqual(doc.value, { kind: 'Pod', spec: { containers: [{ name: 'a' }] } });
    assert.deepEqual(doc.positions.locate('spec.containers[0].name'), { line: 3, column: 36 });
  });

  it('reads the key y as the boolean true, as go-yaml does', () => {
    assert.deepEqual(one('y: 1\n').value, { true: 1 });
  });

  it('treats a __proto__ key as data', () => {
    const doc = one('__proto__: {polluted: true}\n');
    assert.equal(Object.getPrototypeOf(doc.value), Object.prototype);
    assert.deepEqual(Object.keys(doc.value as object), ['__proto__']);
  });
});

describe('paths', () => {
  it('builds and splits field paths', () => {
    assert.equal(childPath('', 'spec'), 'spec');
    assert.equal(
      childPath('metadata.labels', 'app.kubernetes.io/name'),
      'metadata.labels[app.kubernetes.io/name]',
    );
    assert.equal(parentPath('spec.containers[1].ports[0]'), 'spec.containers[1].ports');
    assert.equal(parentPath('spec.containers[1]'), 'spec.containers');
    assert.equal(parentPath('data[default.conf]'), 'data');
    assert.equal(parentPath('spec'), '');
  });
});
