import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

/**
 * A Kubernetes resource quantity, kept exact: its value is `numerator / denominator`.
 * `text` is the string as written in the manifest.
 */
export interface Quantity {
  readonly text: string;
  readonly numerator: bigint;
  /** Always > 0. */
  readonly denominator: bigint;
}

// The grammar of k8s.io/apimachinery/pkg/api/resource: a signed decimal number and one
// suffix — binary SI (Ki…Ei), decimal SI (n u m "" k M G T P E) or a decimal exponent (e3).
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(|[numkMGTPE]|[KMGTPE]i|[eE][+-]?\d+)$/;

const DECIMAL_SUFFIX: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
// Larger exponents are no real resource amount and would build huge BigInts.
const MAX_EXPONENT = 40;

/**
 * Parses a quantity, or returns undefined when `text` is not one.
 *
 * @example
 *   tryParseQuantity('1.5Gi') // → { text: '1.5Gi', numerator: 16106127360n, denominator: 10n }
 */
export function tryParseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  let numerator = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  let exponent10 = 0;
  const binary = BINARY_SUFFIX[suffix];
  if (binary !== undefined) {
    numerator *= 2n ** BigInt(binary);
  } else if (suffix.length > 1) {
    // A decimal exponent (`e3`, `E-2`); a lone `E` is the exa suffix, handled below.
    exponent10 = Number(suffix.slice(1));
  } else {
    exponent10 = DECIMAL_SUFFIX[suffix] ?? 0;
  }
  if (Math.abs(exponent10) > MAX_EXPONENT) return undefined;
  if (exponent10 >= 0) numerator *= 10n ** BigInt(exponent10);
  else denominator *= 10n ** BigInt(-exponent10);
  return { text, numerator, denominator };
}

/**
 * Parses a quantity such as `500m`, `64Mi`, `1.5`, `1e3` or `2Gi`.
 * Throws a `POD_QUANTITY_INVALID` PodkitError when `text` is not a quantity.
 */
export function parseQuantity(text: string): Quantity {
  const quantity = tryParseQuantity(text);
  if (quantity === undefined) {
    throw new PodkitError(
      RuntimeErrorCode.POD_QUANTITY_INVALID,
      `not a quantity: ${JSON.stringify(text)}`,
      { hint: 'write a number with an optional suffix, e.g. 500m, 2, 64Mi, 1Gi, 1e3' },
    );
  }
  return quantity;
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  return numerator % denominator > 0n ? q + 1n : q;
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * A CPU quantity in millicores, rounded up as Kubernetes' `MilliValue()` does.
 *
 * @example
 *   cpuMillis('500m') // → 500;  cpuMillis('1.5') // → 1500;  cpuMillis('0.0001') // → 1
 */
export function cpuMillis(quantity: string | Quantity): number {
  const q = typeof quantity === 'string' ? parseQuantity(quantity) : quantity;
  return Number(ceilDiv(q.numerator * 1000n, q.denominator));
}

/**
 * A memory (or any byte) quantity in bytes, rounded up as Kubernetes' `Value()` does.
 *
 * @example
 *   memoryBytes('64Mi') // → 67108864;  memoryBytes('1G') // → 1000000000
 */
export function memoryBytes(quantity: string | Quantity): number {
  const q = typeof quantity === 'string' ? parseQuantity(quantity) : quantity;
  return Number(ceilDiv(q.numerator, q.denominator));
}
