/**
 * A plain-text table as kubectl prints one: upper-case headers, columns padded to their widest
 * cell and separated by three spaces, no trailing blanks. `width` measures what the terminal
 * shows, so cells may carry ANSI colours.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { indent?: string | undefined } = {},
): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => visibleWidth(r[i] ?? ''))));
  const lines = all.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell)),
      )
      .join('   ')
      .trimEnd(),
  );
  const indent = options.indent ?? '';
  return lines.map((l) => `${indent}${l}\n`).join('');
}

// eslint-disable-next-line no-control-regex -- ANSI SGR sequences are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** The number of characters a terminal shows for `text` (ANSI colour codes take none). */
export function visibleWidth(text: string): number {
  return Array.from(text.replace(ANSI, '')).length;
}
