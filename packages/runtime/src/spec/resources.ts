import { compareQuantities, tryParseQuantity, type Quantity } from './quantity.js';
import { isObject, oneOfMessage, typeMismatch, type Fields } from './reader.js';
import type { ResourceRequirements } from './types.js';
import { childPath } from './yaml-documents.js';

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * Reads `resources`: quantities are checked and kept as written; requests are at most the
 * limits; a resource with a limit and no request gets request = limit (API server defaulting).
 */
export function readResources(f: Fields): ResourceRequirements {
  f.unsupported('claims', 'dynamic resource allocation');
  const limits = readQuantityMap(f, 'limits');
  const requests = readQuantityMap(f, 'requests');
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit !== undefined && compareQuantities(request, limit) > 0) {
      f.ctx.error(
        childPath(f.at('requests'), name),
        `must be less than or equal to the ${name} limit (${limit.text}), got ${request.text}`,
      );
    }
  }
  const out: ResourceRequirements = { limits: {}, requests: {} };
  for (const [name, q] of limits) out.limits[name] = q.text;
  for (const [name, q] of requests) out.requests[name] = q.text;
  for (const [name, q] of limits) out.requests[name] ??= q.text;
  return out;
}

function readQuantityMap(f: Fields, key: string): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const raw = f.raw(key);
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    f.ctx.error(f.at(key), typeMismatch('object', raw, f.ctx.position(f.at(key))), 'wrong-type');
    return out;
  }
  for (const [name, value] of Object.entries(raw)) {
    const path = childPath(f.at(key), name);
    if (!RESOURCES.includes(name)) {
      if (name.startsWith('hugepages-') || name.includes('/')) {
        f.ctx.error(
          path,
          `not supported by podkit (${name.startsWith('hugepages-') ? 'hugepages' : 'extended resources'})`,
          'unsupported',
          'key',
        );
      } else {
        f.ctx.error(
          path,
          `unknown resource: ${oneOfMessage(RESOURCES, name)}`,
          'invalid-value',
          'key',
        );
      }
      continue;
    }
    if (name === 'ephemeral-storage' && key === 'limits') {
      f.ctx.warning(path, 'not enforced by podkit (no eviction on one machine)');
    }
    const position = f.ctx.position(path);
    // A number (`cpu: 1`, `cpu: 0.5`) is a valid quantity; keep it as the user wrote it.
    const text =
      typeof value === 'number'
        ? (position?.source ?? String(value))
        : typeof value === 'string'
          ? value
          : undefined;
    if (text === undefined) {
      f.ctx.error(path, typeMismatch('quantity (e.g. 500m, 64Mi)', value, position), 'wrong-type');
      continue;
    }
    const q = tryParseQuantity(text);
    if (q === undefined) {
      f.ctx.error(
        path,
        `must be a quantity such as ${name === 'cpu' ? '500m or 2' : '64Mi or 1Gi'}, got ${JSON.stringify(text)}`,
      );
      continue;
    }
    if (q.numerator < 0n) {
      f.ctx.error(path, `must be greater than or equal to 0, got ${text}`);
      continue;
    }
    out.set(name, q);
  }
  return out;
}
