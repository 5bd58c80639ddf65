/**
 * FHIR dates as half-open millisecond ranges [low, high): "2020" is the whole year, "2020-03-04"
 * the whole day, a dateTime to the second is one second. Search comparisons are defined on
 * ranges (R4 search.html#date), so both the search value and the resource value become one.
 * A value without a time zone is read as UTC, so results do not depend on the host's zone.
 */
export interface DateRange {
  low: number;
  high: number;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function dateRange(text: string): DateRange | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const offsetMs = zoneOffsetMs(zone);
  if (mo === undefined) return span(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
  if (d === undefined) return span(Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1));
  if (h === undefined) return span(Date.UTC(year, month, day), Date.UTC(year, month, day + 1));
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const low = Date.UTC(year, month, day, Number(h), Number(mi), s === undefined ? 0 : Number(s), ms) - offsetMs;
  const width = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
  return span(low, low + width);
}

function span(low: number, high: number): DateRange | undefined {
  return Number.isFinite(low) && Number.isFinite(high) ? { low, high } : undefined;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  return sign * ((hh ?? 0) * 60 + (mm ?? 0)) * 60_000;
}

/** A Period as a range; an open end is unbounded. */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const low = start === undefined ? -Infinity : dateRange(start)?.low;
  const high = end === undefined ? Infinity : dateRange(end)?.high;
  if (low === undefined || high === undefined) return undefined;
  return { low, high };
}

export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** R4 search.html#prefix on ranges. `ap` is taken as "overlaps" (the spec leaves the margin to the server). */
export function compareDateRanges(prefix: DatePrefix, target: DateRange, search: DateRange): boolean {
  const contains = search.low <= target.low && target.high <= search.high;
  switch (prefix) {
    case 'eq':
      return contains;
    case 'ne':
      return !contains;
    case 'gt':
      return target.high > search.high;
    case 'lt':
      return target.low < search.low;
    case 'ge':
      return target.high > search.high || contains;
    case 'le':
      return target.low < search.low || contains;
    case 'sa':
      return target.low >= search.high;
    case 'eb':
      return target.high <= search.low;
    case 'ap':
      return target.low < search.high && search.low < target.high;
  }
}
