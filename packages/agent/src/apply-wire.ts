/**
 * `POST /v1/apply` on the wire (protocol.ts): the CLI sends a manifest file's text and the
 * agent, whose parser is already loaded and warm, reads, validates and applies it. Types only:
 * the client imports this module for free.
 */
import type {
  Diagnostic,
  PersistentVolumeClaim,
  PodRecord,
  PullEvent,
  ServiceRecord,
  Workload,
} from '@podkit/runtime';

/** One manifest file as the CLI read it. */
export interface ManifestFile {
  /** The file's text: YAML 1.1 or JSON, several documents separated by `---`. */
  manifest: string;
  /** The file as the user named it: diagnostics, pods' origins and records' sources say it. */
  file: string;
}

/**
 * What `POST /v1/apply` carries: one manifest file (`manifest` + `file`, the only shape before
 * several files could be applied at once, still what the CLI sends for one file), or several
 * (`files`) applied as one set — every file validated first, then all objects in dependency
 * order, all or nothing. An agent reads both shapes; `files` wins when present.
 */
export interface ApplyRequest {
  /** One file's text (with `file`); absent when `files` is given. */
  manifest?: string | undefined;
  file?: string | undefined;
  /** Several files, in the order the user named them (a directory's files sorted by name). */
  files?: ManifestFile[] | undefined;
  /**
   * `podkit -n NS`: objects without a namespace go there, others must name it (see the
   * runtime's ManifestOptions). Absent: each object's own namespace, else `default`.
   */
  namespace?: string | undefined;
  /**
   * A re-`up`: pods of the file that ended are removed first, each told in a `replaced` line;
   * pods that run already unchanged are left running, each told in an `unchanged` line (one
   * that changed is refused).
   */
  replaceEnded?: boolean | undefined;
  /** CrashLoopBackOff base/cap/reset in ms (tests scale them down). */
  backoff?: { baseMs?: number; capMs?: number; resetAfterMs?: number } | undefined;
}

/**
 * The answer's first line: what the parser found. Only a valid file with something to run is
 * applied; otherwise the answer ends here and nothing changed.
 */
export interface ManifestVerdict {
  type: 'manifest';
  /** Every error and warning of the files, each file's in source order, files in order. */
  diagnostics: Diagnostic[];
  /** No error among the diagnostics. */
  valid: boolean;
  /** The files hold a pod, a Service or a workload (ConfigMaps and Secrets alone run nothing). */
  runnable: boolean;
}

/** A Service of the file as it was applied: its record (addresses) and whether it has pods. */
export interface AppliedService {
  record: ServiceRecord;
  /** Some pod of its namespace matched its selector right after the apply. */
  selectsPods: boolean;
}

/** The answer's last line: what the apply made, in the files' order. */
export interface ApplyResult {
  type: 'result';
  /** The file's bare pods, started. */
  records: PodRecord[];
  services: AppliedService[];
  /** The file's workloads as applied (their controllers create their pods). */
  workloads: Workload[];
  /** The file's PersistentVolumeClaims, bound. */
  claims: PersistentVolumeClaim[];
  /** What the user should know of the applied objects (e.g. a StatefulSet's missing Service). */
  warnings: string[];
}

/** One line of the newline-delimited JSON answer (an error ends it as `{ type: 'error' }`). */
export type ApplyLine =
  | ManifestVerdict
  | { type: 'pull'; image: string; event: PullEvent }
  | { type: 'replaced'; name: string; namespace: string; phase: string }
  | { type: 'unchanged'; name: string; namespace: string }
  | ApplyResult;
