import type { PullEvent } from '@podkit/runtime';

/** 1536 → "1.5 KiB". */
export function formatSize(n: number): string {
  if (n < 1024) return `${String(n)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i] ?? 'GiB'}`;
}

const short = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

interface Row {
  label: string;
  size: number;
  bytes: number;
  state: 'waiting' | 'downloading' | 'done' | 'exists';
}

/**
 * Renders pull progress to stderr, as podman does: on a terminal one bar per blob, redrawn in
 * place (at most 10 times a second); otherwise plain lines, one when a blob starts and one when
 * it is done, so logs and CI output stay readable.
 */
export class PullProgress {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #rows = new Map<string, Row>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(write: (text: string) => void, tty: boolean) {
    this.#write = write;
    this.#tty = tty;
  }

  readonly onEvent = (e: PullEvent): void => {
    switch (e.kind) {
      case 'resolved':
        this.#line(
          `Resolved ${e.ref} → ${e.platformDigest}${e.digest === e.platformDigest ? '' : ` (linux/amd64 of index ${short(e.digest)})`}, ${String(e.layers)} layer${e.layers === 1 ? '' : 's'}`,
        );
        return;
      case 'retry':
        this.#line(
          `Retrying ${e.what} in ${String(Math.round(e.delayMs))} ms (attempt ${String(e.attempt)} failed: ${e.message})`,
        );
        return;
      case 'unpacking':
        this.#finishBars();
        this.#line(`Unpacking ${String(e.layers)} layer${e.layers === 1 ? '' : 's'}`);
        return;
      case 'blob': {
        const label = `${e.role === 'config' ? 'config' : 'layer '} ${short(e.digest)}`;
        let row = this.#rows.get(e.digest);
        if (row === undefined) {
          row = { label, size: e.size, bytes: 0, state: 'waiting' };
          this.#rows.set(e.digest, row);
        }
        row.bytes = e.bytes;
        if (e.phase === 'start') row.state = 'downloading';
        if (e.phase === 'done') row.state = 'done';
        if (e.phase === 'exists') row.state = 'exists';
        if (this.#tty) {
          this.#schedule(e.phase !== 'progress');
        } else if (e.phase === 'start') {
          this.#write(`${label}: downloading ${formatSize(e.size)}\n`);
        } else if (e.phase === 'done') {
          this.#write(`${label}: done\n`);
        } else if (e.phase === 'exists') {
          this.#write(`${label}: already present\n`);
        }
        return;
      }
    }
  };

  /** Stops redrawing (call when the pull ends, successfully or not). */
  close(): void {
    this.#finishBars();
  }

  #line(text: string): void {
    if (this.#tty) this.#clearBars();
    this.#write(`${text}\n`);
    if (this.#tty) this.#draw();
  }

  #schedule(now: boolean): void {
    if (now) {
      this.#draw();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, 100);
  }

  #bar(r: Row): string {
    const width = 30;
    const frac = r.size === 0 ? 1 : Math.min(r.bytes / r.size, 1);
    const fill = Math.round(frac * width);
    const status =
      r.state === 'exists'
        ? 'already present'
        : r.state === 'done'
          ? `done ${formatSize(r.size)}`
          : `${formatSize(r.bytes)} / ${formatSize(r.size)}`;
    return `${r.label} [${'='.repeat(fill)}${' '.repeat(width - fill)}] ${status}`;
  }

  #clearBars(): void {
    if (this.#drawn > 0) this.#write(`\x1b[${String(this.#drawn)}A\x1b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    this.#clearBars();
    const lines = [...this.#rows.values()].map((r) => this.#bar(r));
    if (lines.length > 0) this.#write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }

  #finishBars(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#tty && this.#rows.size > 0) this.#draw();
    // Bars drawn so far stay on screen; later lines go below them.
    this.#drawn = 0;
    this.#rows.clear();
  }
}
