import { checkConfigMapKey, checkEnvVarName } from './names.js';
import type { Fields } from './reader.js';
import { ENV_FIELD_PATHS, readFieldRef, readResourceFieldRef } from './selectors.js';
import type { EnvFromSource, EnvVar, EnvVarSource, KeySelector } from './types.js';
import { readObjectName } from './volumes.js';

function readKeySelector(f: Fields): KeySelector | undefined {
  const name = readObjectName(f, 'name');
  const key = f.string('key', { required: true });
  const optional = f.boolean('optional') ?? false;
  if (key !== undefined) {
    const bad = checkConfigMapKey(key);
    if (bad !== undefined) f.ctx.error(f.at('key'), bad);
  }
  if (name === undefined || key === undefined) return undefined;
  return { name, key, optional };
}

function readValueFrom(f: Fields, containerNames: ReadonlySet<string>): EnvVarSource | undefined {
  f.unsupported('fileKeyRef');
  const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'];
  const present = sources.filter((s) => f.has(s));
  if (present.length === 0) {
    if (!f.has('fileKeyRef')) {
      f.ctx.error(f.path, `must specify exactly one of ${sources.join(', ')}`, 'required');
    }
  } else if (present.length > 1) {
    f.ctx.error(
      f.at(present[1] ?? ''),
      `may not specify more than one source, got ${present.join(' and ')}`,
      'invalid-value',
      'key',
    );
  }
  const out: EnvVarSource = {};
  const fieldRef = f.object('fieldRef', (r) => readFieldRef(r, ENV_FIELD_PATHS));
  if (fieldRef !== undefined) out.fieldRef = fieldRef;
  const resourceFieldRef = f.object('resourceFieldRef', (r) => {
    const ref = readResourceFieldRef(r, false);
    if (ref?.containerName !== undefined && !containerNames.has(ref.containerName)) {
      r.ctx.error(
        r.at('containerName'),
        `no container named ${JSON.stringify(ref.containerName)} in this pod`,
        'not-found',
      );
    }
    return ref;
  });
  if (resourceFieldRef !== undefined) out.resourceFieldRef = resourceFieldRef;
  const configMapKeyRef = f.object('configMapKeyRef', readKeySelector);
  if (configMapKeyRef !== undefined) out.configMapKeyRef = configMapKeyRef;
  const secretKeyRef = f.object('secretKeyRef', readKeySelector);
  if (secretKeyRef !== undefined) out.secretKeyRef = secretKeyRef;
  return present.length === 1 ? out : undefined;
}

/** Reads one `env[]` entry: a value (which may use `$(VAR)`) or a valueFrom source. */
export function readEnvVar(f: Fields, containerNames: ReadonlySet<string>): EnvVar | undefined {
  const name = f.string('name', { required: true });
  if (name !== undefined) {
    const bad = checkEnvVarName(name);
    if (bad !== undefined) f.ctx.error(f.at('name'), bad);
  }
  const value = f.string('value');
  const valueFrom = f.object('valueFrom', (v) => readValueFrom(v, containerNames));
  if (value !== undefined && value !== '' && f.has('valueFrom')) {
    f.ctx.error(
      f.at('valueFrom'),
      'may not be set when value is not empty',
      'invalid-value',
      'key',
    );
  }
  if (name === undefined) return undefined;
  const env: EnvVar = { name };
  if (valueFrom !== undefined) env.valueFrom = valueFrom;
  else env.value = value ?? '';
  return env;
}

/** Reads one `envFrom[]` entry (all keys of a ConfigMap or Secret, with an optional prefix). */
export function readEnvFrom(f: Fields): EnvFromSource | undefined {
  const prefix = f.string('prefix');
  if (prefix !== undefined && prefix !== '') {
    const bad = checkEnvVarName(prefix);
    if (bad !== undefined) f.ctx.error(f.at('prefix'), bad);
  }
  const present = ['configMapRef', 'secretRef'].filter((k) => f.has(k));
  if (present.length !== 1) {
    f.ctx.error(
      present.length === 0 ? f.path : f.at('secretRef'),
      present.length === 0
        ? 'must specify exactly one of configMapRef, secretRef'
        : 'may not specify both configMapRef and secretRef',
      present.length === 0 ? 'required' : 'invalid-value',
      present.length === 0 ? 'value' : 'key',
    );
  }
  const readRef = (r: Fields): { name: string; optional: boolean } | undefined => {
    const name = readObjectName(r, 'name');
    const optional = r.boolean('optional') ?? false;
    return name === undefined ? undefined : { name, optional };
  };
  const out: EnvFromSource = {};
  if (prefix !== undefined && prefix !== '') out.prefix = prefix;
  const configMapRef = f.object('configMapRef', readRef);
  if (configMapRef !== undefined) out.configMapRef = configMapRef;
  const secretRef = f.object('secretRef', readRef);
  if (secretRef !== undefined) out.secretRef = secretRef;
  return present.length === 1 ? out : undefined;
}
