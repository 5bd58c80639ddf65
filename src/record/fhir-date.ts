/**
 * FHIR R4 date, dateTime and instant, read strictly (https://hl7.org/fhir/R4/datatypes.html).
 * Feeds send "2026-06-08garbage", "06/08/2026", "2026-02-30" and times without a zone; none of
 * them is a date a criterion may count from, so each is refused here, once, for every reader.
 */

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d{1,9})?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;

export interface FhirDateTime {
  /** As written. */
  text: string;
  /** Milliseconds since the epoch of the moment (a date alone: its first instant in UTC), for ordering. */
  instant: number;
  /** Whether a time (and so a zone) was given. */
  hasTime: boolean;
}

function validCalendar(year: string, month: string | undefined, day: string | undefined): boolean {
  if (year === '0000') return false;
  if (month === undefined) return true;
  const m = Number(month);
  if (m < 1 || m > 12) return false;
  if (day === undefined) return true;
  const d = Number(day);
  return d >= 1 && d <= daysInMonth(Number(year), m);
}

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Each date is read by the check of the resource and again by its reader, and a population
 * repeats dates: parsed once each (frozen, as they are shared). Bounded.
 */
const parsed = new Map<string, Readonly<FhirDateTime> | null>();

/** A FHIR `dateTime` (which includes every `date` and `instant`), or undefined when it is not one. */
export function parseFhirDateTime(text: string): Readonly<FhirDateTime> | undefined {
  let found = parsed.get(text);
  if (found === undefined) {
    found = parseUncached(text) ?? null;
    if (found) Object.freeze(found);
    if (parsed.size >= 100_000) parsed.clear();
    parsed.set(text, found);
  }
  return found ?? undefined;
}

function parseUncached(text: string): FhirDateTime | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour] = m;
  if (!validCalendar(year as string, month, day)) return undefined;
  if (hour === undefined) {
    return { text, instant: Date.UTC(Number(year), Number(month ?? 1) - 1, Number(day ?? 1)), hasTime: false };
  }
  // A leap second (":60") is legal FHIR; Date.parse does not take it, and one second does not order results.
  const instant = Date.parse(text.includes(':60') ? text.replace(/:60(\.\d+)?(?=Z|[+-])/, ':59$1') : text);
  if (!Number.isFinite(instant)) return undefined;
  return { text, instant, hasTime: true };
}

/** A FHIR `date` (no time part). */
export function isFhirDate(text: string): boolean {
  const m = DATE.exec(text);
  return m !== null && validCalendar(m[1] as string, m[2], m[3]);
}
