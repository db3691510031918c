/** What a parser makes of one line: typed fields, or why it could not. */
export type ParseResult =
  | { ok: true; time?: string | undefined; fields: Record<string, unknown> }
  | { ok: false; error: string };

export type LineParser = (line: string) => ParseResult;

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** The month number (0–11) of an English abbreviation, or undefined. */
export function monthIndex(abbrev: string): number | undefined {
  return MONTHS[abbrev];
}

/** ISO-8601 UTC with milliseconds, or undefined for an invalid date. */
export function isoUtc(d: Date): string | undefined {
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
