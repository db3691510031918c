import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import {
  compareQuantities,
  cpuMillis,
  memoryBytes,
  parseQuantity,
  tryParseQuantity,
} from './quantity.js';

describe('quantity', () => {
  it('parses CPU quantities to millicores, rounding up like MilliValue()', () => {
    assert.equal(cpuMillis('500m'), 500);
    assert.equal(cpuMillis('2'), 2000);
    assert.equal(cpuMillis('1.5'), 1500);
    assert.equal(cpuMillis('0.1'), 100);
    assert.equal(cpuMillis('.5'), 500);
    assert.equal(cpuMillis('1e3'), 1_000_000);
    assert.equal(cpuMillis('100u'), 1); // 0.1m rounds up
    assert.equal(cpuMillis('250000n'), 1);
    assert.equal(cpuMillis('0'), 0);
  });

  it('parses memory quantities to bytes (binary and decimal suffixes)', () => {
    assert.equal(memoryBytes('64Mi'), 64 * 1024 * 1024);
    assert.equal(memoryBytes('2Gi'), 2 * 1024 ** 3);
    assert.equal(memoryBytes('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(memoryBytes('1G'), 1e9);
    assert.equal(memoryBytes('128k'), 128_000);
    assert.equal(memoryBytes('1Ki'), 1024);
    assert.equal(memoryBytes('1E'), 1e18); // a lone E is exa, not an exponent
    assert.equal(memoryBytes('12e6'), 12_000_000);
    assert.equal(memoryBytes('1E3'), 1000);
    assert.equal(memoryBytes('1500m'), 2); // 1.5 bytes rounds up
  });

  it('keeps the text and an exact rational value', () => {
    const q = parseQuantity('1.5Gi');
    assert.equal(q.text, '1.5Gi');
    assert.equal(q.numerator * 1n, 15n * 2n ** 30n);
    assert.equal(q.denominator, 10n);
    assert.equal(compareQuantities(parseQuantity('1'), parseQuantity('1000m')), 0);
    assert.equal(compareQuantities(parseQuantity('500m'), parseQuantity('1')), -1);
    assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1G')), 1);
  });

  it('rejects what Kubernetes rejects', () => {
    for (const bad of [
      '',
      'abc',
      '64Q',
      '1.2.3',
      '1 Gi',
      'Mi',
      '1KI',
      '1K',
      '1e',
      '1mi',
      '--1',
      '1e999',
    ]) {
      assert.equal(tryParseQuantity(bad), undefined, bad);
    }
    assert.throws(
      () => parseQuantity('64Q'),
      (err: unknown) => isPodkitError(err, 'POD_QUANTITY_INVALID') && err.message.includes('"64Q"'),
    );
    assert.throws(() => cpuMillis('lots'), /not a quantity/);
  });

  it('parses signs (negative values are rejected by the validator, not the parser)', () => {
    assert.equal(cpuMillis('-1'), -1000);
    assert.equal(memoryBytes('+1Ki'), 1024);
  });
});
