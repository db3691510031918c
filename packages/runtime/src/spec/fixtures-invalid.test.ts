import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isPodkitError } from '@podkit/kit';
import { SpecInvalidError } from '../errors.js';
import { formatDiagnostic } from './diagnostic.js';
import { assertValid, parseManifests } from './manifests.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/spec/invalid');
// PODKIT_UPDATE_GOLDEN=1 rewrites the .expected.txt files (review the diff before committing).
const update = process.env.PODKIT_UPDATE_GOLDEN === '1';

const fixtures = readdirSync(dir)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

describe('invalid manifests: golden diagnostics', () => {
  it('has at least 20 invalid fixtures, each with a golden file', () => {
    assert.ok(fixtures.length >= 20, `${fixtures.length} invalid fixtures`);
  });

  for (const name of fixtures) {
    it(name, () => {
      const set = parseManifests(readFileSync(join(dir, name), 'utf8'), name);
      const actual = `${set.diagnostics.map(formatDiagnostic).join('\n')}\n`;
      const golden = join(dir, name.replace(/\.(ya?ml|json)$/, '.expected.txt'));
      if (update) writeFileSync(golden, actual);
      assert.equal(actual, readFileSync(golden, 'utf8'));
      assert.ok(
        set.diagnostics.some((d) => d.severity === 'error'),
        'an invalid fixture has errors',
      );
      assert.throws(
        () => {
          assertValid(set);
        },
        (err: unknown) =>
          err instanceof SpecInvalidError &&
          isPodkitError(err, 'POD_SPEC_INVALID') &&
          err.diagnostics === set.diagnostics,
      );
    });
  }
});

describe('diagnostics', () => {
  it('point at the value, the key of an unknown field, the parent of a missing field', () => {
    const text = [
      'apiVersion: v1', // 1
      'kind: Pod', // 2
      'metadata:', // 3
      '  name: x', // 4
      'spec:', // 5
      '  containers:', // 6
      '    - name: app', // 7
      '      imagee: nginx', // 8
      '      ports: [{containerPort: 0}]', // 9
    ].join('\n');
    const set = parseManifests(text, 'p.yaml');
    assert.deepEqual(
      set.diagnostics.map((d) => [d.path, d.line, d.column, d.code]),
      [
        ['spec.containers[0].image', 7, 7, 'required'],
        ['spec.containers[0].imagee', 8, 7, 'unknown-field'],
        ['spec.containers[0].ports[0].containerPort', 9, 31, 'out-of-range'],
      ],
    );
    assert.equal(
      formatDiagnostic(set.diagnostics[1]!),
      'p.yaml:8:7 spec.containers[0].imagee: unknown field; did you mean "image"?',
    );
  });

  it('SpecInvalidError lists every error and keeps warnings in .diagnostics', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  nodeName: n\n  containers: [{name: A, image: i}]\n';
    const set = parseManifests(text, 'p.yaml');
    try {
      assertValid(set);
      assert.fail('expected SpecInvalidError');
    } catch (err) {
      assert.ok(err instanceof SpecInvalidError);
      assert.equal(err.code, 'POD_SPEC_INVALID');
      assert.equal(err.diagnostics.length, 2);
      assert.match(
        err.message,
        /^invalid manifest \(1 error\):\np\.yaml:6:23 spec\.containers\[0\]\.name: must be a DNS-1123 label/,
      );
      assert.doesNotMatch(err.message, /nodeName/);
    }
  });

  it('a valid set passes assertValid', () => {
    const set = parseManifests(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: i}]}\n',
      'p.yaml',
    );
    assert.doesNotThrow(() => {
      assertValid(set);
    });
    assert.equal(set.pods.length, 1);
  });
});
