import { randomInt } from 'node:crypto';
import type { PodTemplateSpec } from '@podkit/runtime';

/**
 * Kubernetes' alphabet for generated names and hashes (k8s.io/apimachinery util/rand): no
 * vowels (no words) and no 0, 1, 3 (look like o, l, e).
 */
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The label a Deployment puts on its ReplicaSets and their pods. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** apimachinery's names.SimpleNameGenerator: the base is cut to 58 so the name fits 63. */
const MAX_GENERATED_BASE = 63 - 5;

/** `n` random characters of NAME_ALPHABET (util/rand.String). */
export function randomSuffix(n = 5, random: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < n; i++) out += NAME_ALPHABET[random(NAME_ALPHABET.length)] ?? 'x';
  return out;
}

/**
 * A ReplicaSet's pod name, as the API server makes it from `generateName: <rs>-`:
 * `web-5d8f9c7b6-x2kqp`.
 *
 * @example
 *   podNameFor('web-7c5ddbdf54'); // 'web-7c5ddbdf54-8hq2z'
 */
export function podNameFor(replicaSet: string, random?: (max: number) => number): string {
  const base = `${replicaSet}-`.slice(0, MAX_GENERATED_BASE);
  return `${base}${randomSuffix(5, random)}`;
}

/** util/rand.SafeEncodeString: each byte to a character of NAME_ALPHABET. */
export function safeEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += NAME_ALPHABET[b % NAME_ALPHABET.length] ?? 'x';
  return out;
}

/** 32-bit FNV-1a (the hash Kubernetes' ComputeHash uses). */
export function fnv1a32(data: Buffer | string): number {
  let h = 0x811c9dc5;
  for (const b of typeof data === 'string' ? Buffer.from(data, 'utf8') : data) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with every object's keys sorted (a value's one text, whatever order it was built in). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * The `pod-template-hash` of a template, made as Kubernetes' controller.ComputeHash makes it
 * (FNV-1a 32 of the template, the decimal of the sum through SafeEncodeString, so up to 10
 * characters of NAME_ALPHABET), except for the bytes hashed: Kubernetes hashes the Go
 * `spew` dump of its PodTemplateSpec, podkit the canonical JSON (sorted keys) of its typed,
 * defaulted template. The value is stable for one template across agents and podkit
 * versions that keep the typed model, but differs from the one a cluster would compute.
 * A `pod-template-hash` label already in the template is left out (it is what gets added).
 */
export function podTemplateHash(template: PodTemplateSpec, collisionCount = 0): string {
  const labels = Object.fromEntries(
    Object.entries(template.metadata.labels).filter(([k]) => k !== POD_TEMPLATE_HASH),
  );
  const text = canonicalJson({ metadata: { ...template.metadata, labels }, spec: template.spec });
  const extra = collisionCount > 0 ? String(collisionCount) : '';
  return safeEncode(String(fnv1a32(text + extra)));
}
