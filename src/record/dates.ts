/**
 * Date arithmetic for computed exposure ends. Works on the calendar date as written (the
 * engine reads the date part of a date-time the same way), never through a clock or a
 * time zone.
 */

const DAY_MS = 86_400_000;
const DATE_PART = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

/**
 * The date `days` after `date` (rounded up to whole days), as YYYY-MM-DD. A partial date
 * ("2024-03") counts from its last day: a longer exposure is the safe reading for washouts.
 */
export function addDays(date: string, days: number): string | undefined {
  const m = DATE_PART.exec(date);
  if (!m || !Number.isFinite(days)) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  let base: number;
  if (month === undefined) base = Date.UTC(year, 11, 31);
  else if (day === undefined) base = Date.UTC(year, month, 0);
  else base = Date.UTC(year, month - 1, day);
  return new Date(base + Math.ceil(days) * DAY_MS).toISOString().slice(0, 10);
}
