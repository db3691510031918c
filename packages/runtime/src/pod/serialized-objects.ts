import type { ConfigMap, Secret } from '../spec/types.js';

/** ConfigMaps and Secrets as JSON carries them (their bytes in base64). */
export interface SerializedObjects {
  configMaps: SerializedConfigMap[];
  secrets: SerializedSecret[];
}

export type SerializedConfigMap = Omit<ConfigMap, 'binaryData'> & {
  binaryData: Record<string, string>;
};
export type SerializedSecret = Omit<Secret, 'data'> & { data: Record<string, string> };

const b64 = (r: Record<string, Buffer>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.toString('base64')]));
const unb64 = (r: Record<string, string>): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

export function serializeObjects(
  configMaps: readonly ConfigMap[],
  secrets: readonly Secret[],
): SerializedObjects {
  return {
    configMaps: configMaps.map((c) => ({ ...c, binaryData: b64(c.binaryData) })),
    secrets: secrets.map((s) => ({ ...s, data: b64(s.data) })),
  };
}

export function deserializeObjects(p: SerializedObjects): {
  configMaps: ConfigMap[];
  secrets: Secret[];
} {
  return {
    configMaps: p.configMaps.map((c) => ({ ...c, binaryData: unb64(c.binaryData) })),
    secrets: p.secrets.map((s) => ({ ...s, data: unb64(s.data) })),
  };
}
