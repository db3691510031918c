/**
 * A problem found in a manifest, with the position of the offending node.
 *
 * `line`/`column` are 1-based and point at the offending value (or at the key for unknown
 * fields, or at the parent mapping for a missing required field). `path` is the field path
 * inside the document, e.g. `spec.containers[1].ports[0].containerPort`.
 */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** A stable, machine-readable kind, e.g. `unknown-field`, `invalid-value`, `yaml-syntax`. */
  code: string;
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/**
 * One diagnostic as a single line, the way compilers print them.
 *
 * @example
 *   formatDiagnostic(d)
 *   // → 'pod.yaml:14:9 spec.containers[1].ports[0].containerPort: must be 1-65535, got 70000'
 *   // → 'pod.yaml:9:3 warning: spec.nodeSelector: ignored on one machine'
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  const path = d.path === '' ? '' : `${d.path}: `;
  return `${where} ${severity}${path}${d.message}`;
}

/** Orders diagnostics by position (stable for equal positions), so output reads top-down. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i)
    .map(({ d }) => d);
}
