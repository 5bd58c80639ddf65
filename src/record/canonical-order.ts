import type { Resource } from '@medplum/fhirtypes';

export interface Indexed<T> {
  /** Where the item was in the input, for messages that point the reader at it. */
  index: number;
  item: T;
}

/**
 * The resources in one order whatever order they came in and whatever ids a server gave them:
 * by resource type, then clinical content (without what a server assigns), then id (digit runs
 * compared as numbers), then the whole content. FHIR servers return search results in no promised order, and the
 * record's fact lists, the explanations that list them, which of two equal-dated results is
 * "the latest" and which of two conflicting copies is kept all follow this order. Sorting here,
 * before anything is read, is what makes the report depend on the data only.
 *
 * Total on distinct resources: two items that tie on every key are the same JSON, so either
 * order reads the same. Items without a resourceType keep their input order, ahead of the rest.
 */
export function canonicalOrder<T extends Resource>(resources: readonly T[]): Indexed<T>[] {
  const keyed: Keyed<T>[] = resources.map((item, index) => ({
    index,
    item,
    type: text(field(item, 'resourceType')),
    id: text(field(item, 'id')),
    brief: briefKey(item),
    clinical: undefined,
    json: undefined,
  }));
  // The type decides first, so each type is sorted on its own: fewer and cheaper comparisons
  // than one sort of everything, and the same order, since the order is total on each type.
  // An empty resourceType ties with none at all under the type comparison, yet only two
  // without one keep their input order: such input is sorted whole, as the one rule says.
  const byType = new Map<string, Keyed<T>[]>();
  for (const k of keyed) {
    if (k.type === '') return keyed.sort(compareKeyed).map(indexed);
    const type = k.type ?? '';
    let list = byType.get(type);
    if (!list) byType.set(type, (list = []));
    list.push(k);
  }
  const out: Indexed<T>[] = [];
  for (const type of [...byType.keys()].sort(compareText)) {
    const list = byType.get(type) as Keyed<T>[];
    // Without a resourceType (type ""): already in input order.
    if (type !== '') list.sort(compareSameType);
    for (const k of list) out.push(indexed(k));
  }
  return out;
}

interface Keyed<T> extends Indexed<T> {
  type: string | undefined;
  id: string | undefined;
  /** Dates and first codes (briefKey). */
  brief: string;
  /** Canonical JSON without what servers assign, and the whole of it: serialised only for ties. */
  clinical: string | undefined;
  json: string | undefined;
}

function indexed<T>(k: Keyed<T>): Indexed<T> {
  return { index: k.index, item: k.item };
}

function compareKeyed<T>(a: Keyed<T>, b: Keyed<T>): number {
  return (
    compareText(a.type, b.type) ||
    // What has no resourceType is only ever cited by its input position ("resource[3]"): keep that order.
    (a.type === undefined && b.type === undefined ? a.index - b.index : 0) ||
    compareSameType(a, b)
  );
}

function compareSameType<T>(a: Keyed<T>, b: Keyed<T>): number {
  return (
    // The clinical content first: two servers holding the same record give it different ids
    // (servers that assign ids), and the report must not depend on which server it came from.
    // Its dates and codes decide almost every pair; the whole content (costly to serialise
    // for a record of thousands of resources) only the rest.
    compareText(a.brief, b.brief) ||
    compareText((a.clinical ??= canonicalJson(a.item, true)), (b.clinical ??= canonicalJson(b.item, true))) ||
    // A resource without an id sorts after those with one of its type.
    (a.id === undefined || b.id === undefined ? (a.id === b.id ? 0 : a.id === undefined ? 1 : -1) : compareIds(a.id, b.id)) ||
    compareText((a.json ??= canonicalJson(a.item, false)), (b.json ??= canonicalJson(b.item, false)))
  );
}

/** Natural order: "a2" < "a10"; ties (e.g. "a2" and "a02") fall back to plain text so the order stays total. */
export function compareIds(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    const order = bothDigits ? compareDigits(x, y) : compareText(x, y);
    if (order !== 0) return order;
  }
  return left.length - right.length || compareText(a, b);
}

function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+/, '');
  const b = y.replace(/^0+/, '');
  return a.length - b.length || compareText(a, b);
}

/** Code-unit order: localeCompare would make the report depend on the host's ICU data and locale. */
function compareText(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function field(item: unknown, name: string): unknown {
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Elements that date a resource, as the screened types name them. */
const DATE_FIELDS = ['effectiveDateTime', 'onsetDateTime', 'authoredOn', 'occurrenceDateTime', 'performedDateTime', 'recordedDate', 'issued', 'dateAsserted', 'birthDate'];
const CODE_FIELDS = ['code', 'medicationCodeableConcept', 'vaccineCode'];

/** The dates and first codes of a resource: clinical content every server keeps as sent, cheap to read. */
function briefKey(item: unknown): string {
  if (typeof item !== 'object' || item === null) return '';
  const record = item as Record<string, unknown>;
  // The parts joined by \u0001, built as one string: this runs for every resource of every patient.
  let key = '';
  let first = true;
  const add = (part: string): void => {
    key = first ? part : `${key}\u0001${part}`;
    first = false;
  };
  for (const name of DATE_FIELDS) {
    const value = record[name];
    if (typeof value === 'string') add(value);
  }
  const period = (record.effectivePeriod ?? record.performedPeriod) as { start?: unknown } | undefined;
  if (typeof period?.start === 'string') add(period.start);
  for (const name of CODE_FIELDS) {
    const coding = (record[name] as { coding?: { system?: unknown; code?: unknown }[] } | undefined)?.coding?.[0];
    if (coding) add(`${String(coding.system ?? '')}|${String(coding.code ?? '')}`);
  }
  // Encounters have neither a code nor a date of the kinds above, and a record holds hundreds:
  // without their period and class each would be serialised whole to be ordered at all.
  if (record.resourceType === 'Encounter') {
    const stay = record.period as { start?: unknown; end?: unknown } | undefined;
    if (typeof stay?.start === 'string') add(stay.start);
    if (typeof stay?.end === 'string') add(stay.end);
    const cls = record.class as { code?: unknown } | undefined;
    if (typeof cls?.code === 'string') add(cls.code);
  }
  // FamilyMemberHistory: when it was recorded.
  if (record.resourceType === 'FamilyMemberHistory' && typeof record.date === 'string') add(record.date);
  return key;
}

/** What a server changes when it stores a resource: its id, meta, narrative, and the ids inside references. */
const SERVER_KEPT = new Set(['id', 'meta', 'text', 'reference', 'fullUrl']);

/**
 * JSON with object keys sorted (two servers may send the same resource with its keys in another
 * order); `clinical` leaves out what a server assigns or rewrites, so the same record sorts the
 * same on every server.
 */
function canonicalJson(value: unknown, clinical: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, clinical)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .filter((key) => !(clinical && SERVER_KEPT.has(key)))
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], clinical)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
