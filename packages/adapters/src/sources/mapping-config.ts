import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { adapterError, AdapterErrorCode } from '../errors.js';

/** Reads a YAML (or JSON) mapping file into a plain value; ADAPTER_CONFIG when unreadable. */
export function loadYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw adapterError(
      AdapterErrorCode.ADAPTER_CONFIG,
      `cannot read ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    return parse(text) as unknown;
  } catch (err) {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Narrowing helpers for configuration objects: each names the field that is wrong. */
export function asRecord(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${where}: expected a mapping`);
  }
  return v as Record<string, unknown>;
}

export function asArray(v: unknown, where: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v))
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${where}: expected a list`);
  return v as unknown[];
}

export function asString(v: unknown, where: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${where}: expected a string`);
  }
  return String(v);
}

export function asStringMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined) return {};
  const r = asRecord(v, where);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(r)) out[k] = asString(x, `${where}.${k}`);
  return out;
}
