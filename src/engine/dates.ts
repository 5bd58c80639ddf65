/**
 * Calendar arithmetic on ISO dates, in UTC days. Clinical windows ("within 7 days",
 * "within 1 month") are counted in calendar days and months from a date, never from a clock.
 */

export interface Duration {
  amount: number;
  unit: 'd' | 'w' | 'mo' | 'y';
}

const DAY_MS = 86_400_000;

export function parseDuration(text: string): Duration {
  const match = /^(\d+)(d|w|mo|y)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return { amount: Number(match[1]), unit: match[2] as Duration['unit'] };
}

/** "1 day", "12 days". */
export function dayCount(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}

export function formatDuration(d: Duration): string {
  const names = { d: ['day', 'days'], w: ['week', 'weeks'], mo: ['month', 'months'], y: ['year', 'years'] } as const;
  const [one, many] = names[d.unit];
  return `${d.amount} ${d.amount === 1 ? one : many}`;
}

/** Day number (days since 1970-01-01 UTC) of an ISO date or date-time; partial dates take their first day. */
export function dayOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  // Read by character codes: this runs for every dated fact of every criterion, and is what
  // /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/ would match (a month or day that is not two digits is left out).
  const year = digitsAt(iso, 0, 4);
  if (year < 0) return undefined;
  let month = 1;
  let day = 1;
  const mm = iso.charCodeAt(4) === DASH ? digitsAt(iso, 5, 2) : -1;
  if (mm >= 0) {
    month = mm;
    const dd = iso.charCodeAt(7) === DASH ? digitsAt(iso, 8, 2) : -1;
    if (dd >= 0) day = dd;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  // A date-time with an offset can fall on another UTC day; the local calendar day is what
  // a clinician reads, so the date part as written is kept.
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

const DASH = 45;

/** The number written by `count` ASCII digits at `from`, or -1 if they are not all there. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    // Past the end charCodeAt is NaN, which fails both comparisons.
    if (!(c >= 48 && c <= 57)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** The last day an ISO value may denote (for a partial date, the end of its year or month). */
export function lastDayOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(iso);
  if (!m) return undefined;
  if (m[3] !== undefined) return dayOf(iso);
  const year = Number(m[1]);
  if (m[2] !== undefined) return Math.floor(Date.UTC(year, Number(m[2]), 0) / DAY_MS);
  return Math.floor(Date.UTC(year, 11, 31) / DAY_MS);
}

/** Explanations print the same few hundred days over and over; a Date per call was a tenth of the engine's time. */
const isoOfDays = new Map<number, string>();

export function isoOfDay(day: number): string {
  let iso = isoOfDays.get(day);
  if (iso === undefined) {
    iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (isoOfDays.size >= 100_000) isoOfDays.clear();
    isoOfDays.set(day, iso);
  }
  return iso;
}

/** The day `d` before `day` (calendar months and years clamp to the month's last day). */
export function subtractDuration(day: number, d: Duration): number {
  return shift(day, d, -1);
}

export function addDuration(day: number, d: Duration): number {
  return shift(day, d, 1);
}

function shift(day: number, d: Duration, sign: 1 | -1): number {
  switch (d.unit) {
    case 'd':
      return day + sign * d.amount;
    case 'w':
      return day + sign * 7 * d.amount;
    case 'mo':
      return shiftMonths(day, sign * d.amount);
    case 'y':
      return shiftMonths(day, sign * 12 * d.amount);
  }
}

function shiftMonths(day: number, months: number): number {
  const date = new Date(day * DAY_MS);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const dom = Math.min(date.getUTCDate(), lastDay);
  return Math.floor(Date.UTC(targetYear, targetMonth, dom) / DAY_MS);
}

/** Approximate length of a duration in days, for cumulative exposure sums. */
export function durationDays(d: Duration): number {
  switch (d.unit) {
    case 'd':
      return d.amount;
    case 'w':
      return 7 * d.amount;
    case 'mo':
      return d.amount * 30.4375;
    case 'y':
      return d.amount * 365.25;
  }
}

/** Whole years from a birth date to a day; undefined when the birth date is unreadable. */
export function ageInYears(birthDate: string, onDay: number): { min: number; max: number } | undefined {
  const first = dayOf(birthDate);
  const last = lastDayOf(birthDate);
  if (first === undefined || last === undefined) return undefined;
  // A partial birth date (year only) leaves a range of possible ages.
  return { min: completedYears(last, onDay), max: completedYears(first, onDay) };
}

function completedYears(birthDay: number, onDay: number): number {
  const b = new Date(birthDay * DAY_MS);
  const o = new Date(onDay * DAY_MS);
  let years = o.getUTCFullYear() - b.getUTCFullYear();
  const beforeBirthday =
    o.getUTCMonth() < b.getUTCMonth() || (o.getUTCMonth() === b.getUTCMonth() && o.getUTCDate() < b.getUTCDate());
  if (beforeBirthday) years -= 1;
  return years;
}

export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && dayOf(text) !== undefined && isoOfDay(dayOf(text) as number) === text;
}
