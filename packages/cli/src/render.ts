import { createColors } from 'picocolors';
import { formatDiagnostic, type Diagnostic, type ManifestSet } from '@podkit/runtime';
import type { CliIo } from './io.js';

export type Colors = ReturnType<typeof createColors>;

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function colorsFor(io: CliIo): Colors {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return createColors(io.isTTY && !noColor);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** One diagnostic line: the text of formatDiagnostic, coloured on a terminal. */
export function renderDiagnostic(d: Diagnostic, c: Colors): string {
  const text = formatDiagnostic(d);
  const where = `${d.file}:${d.line}:${d.column}`;
  const rest = text.slice(where.length + 1);
  if (d.severity === 'warning') {
    return `${c.bold(where)} ${c.yellow(rest)}`;
  }
  return `${c.bold(where)} ${c.red(rest)}`;
}

/** `pod.yaml: invalid (2 errors, 1 warning)`; undefined when no diagnostic is an error. */
export function renderInvalidSummary(
  file: string,
  diagnostics: readonly Diagnostic[],
  c: Colors,
): string | undefined {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (errors === 0) return undefined;
  const parts = [plural(errors, 'error'), ...(warnings > 0 ? [plural(warnings, 'warning')] : [])];
  return `${file}: ${c.red('invalid')} (${parts.join(', ')})`;
}

/** `pod.yaml: valid (1 pod, 1 configmap)` or `pod.yaml: invalid (2 errors, 1 warning)`. */
export function renderSummary(set: ManifestSet, c: Colors): string {
  const invalid = renderInvalidSummary(set.file, set.diagnostics, c);
  if (invalid !== undefined) return invalid;
  const warnings = set.diagnostics.length;
  const objects = [
    ...(set.deployments.length > 0 ? [plural(set.deployments.length, 'deployment')] : []),
    ...(set.replicaSets.length > 0 ? [plural(set.replicaSets.length, 'replicaset')] : []),
    ...(set.statefulSets.length > 0 ? [plural(set.statefulSets.length, 'statefulset')] : []),
    ...(set.persistentVolumeClaims.length > 0
      ? [plural(set.persistentVolumeClaims.length, 'persistentvolumeclaim')]
      : []),
    ...(set.jobs.length > 0 ? [plural(set.jobs.length, 'job')] : []),
    ...(set.daemonSets.length > 0 ? [plural(set.daemonSets.length, 'daemonset')] : []),
    ...(set.pods.length > 0 ? [plural(set.pods.length, 'pod')] : []),
    ...(set.configMaps.length > 0 ? [plural(set.configMaps.length, 'configmap')] : []),
    ...(set.secrets.length > 0 ? [plural(set.secrets.length, 'secret')] : []),
    ...(set.services.length > 0 ? [plural(set.services.length, 'service')] : []),
  ];
  if (objects.length === 0) objects.push('nothing podkit runs');
  const note = warnings > 0 ? `; ${plural(warnings, 'warning')}` : '';
  return `${set.file}: ${c.green('valid')} (${objects.join(', ')}${note})`;
}

/** Every diagnostic, then the summary, for each file. */
export function renderValidation(sets: readonly ManifestSet[], c: Colors): string {
  const lines: string[] = [];
  for (const set of sets) {
    for (const d of set.diagnostics) lines.push(renderDiagnostic(d, c));
    lines.push(renderSummary(set, c));
  }
  return `${lines.join('\n')}\n`;
}

/** The `--output json` document of `podkit validate`. */
export interface ValidationReport {
  files: {
    file: string;
    valid: boolean;
    pods: string[];
    configMaps: string[];
    secrets: string[];
    services: string[];
    deployments: string[];
    replicaSets: string[];
    statefulSets: string[];
    persistentVolumeClaims: string[];
    jobs: string[];
    daemonSets: string[];
    diagnostics: Diagnostic[];
  }[];
}

export function validationReport(sets: readonly ManifestSet[]): ValidationReport {
  return {
    files: sets.map((set) => ({
      file: set.file,
      valid: !set.diagnostics.some((d) => d.severity === 'error'),
      pods: set.pods.map((p) => p.metadata.name),
      configMaps: set.configMaps.map((m) => m.metadata.name),
      secrets: set.secrets.map((s) => s.metadata.name),
      services: set.services.map((s) => s.metadata.name),
      deployments: set.deployments.map((d) => d.metadata.name),
      replicaSets: set.replicaSets.map((r) => r.metadata.name),
      statefulSets: set.statefulSets.map((r) => r.metadata.name),
      persistentVolumeClaims: set.persistentVolumeClaims.map((r) => r.metadata.name),
      jobs: set.jobs.map((j) => j.metadata.name),
      daemonSets: set.daemonSets.map((d) => d.metadata.name),
      diagnostics: set.diagnostics,
    })),
  };
}
