/**
 * EHRs send units as people type them ("K/uL", "mg/dl", "µmol/L", "mIU/mL", "mg/24h").
 * `toUcum` rewrites the common non-UCUM spellings to UCUM codes so ucum-lhc can read them;
 * anything it does not recognise is passed through for ucum-lhc to accept or reject.
 */

/** Whole-unit spellings, keyed by the lower-cased unit with spaces removed. */
const WHOLE_UNIT: Readonly<Record<string, string>> = {
  lb: '[lb_av]',
  lbs: '[lb_av]',
  pound: '[lb_av]',
  pounds: '[lb_av]',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  titer: '{titer}',
  titre: '{titer}',
  inr: '{INR}',
  ratio: '{ratio}',
  score: '{score}',
  percent: '%',
  mmhg: 'mm[Hg]',
  '°c': 'Cel',
  degc: 'Cel',
  '°f': '[degF]',
  degf: '[degF]',
  hpf: '/[HPF]',
  '/hpf': '/[HPF]',
  'per hpf': '/[HPF]',
  lpf: '/[LPF]',
  '/lpf': '/[LPF]',
};

const SUPERSCRIPT_DIGITS: Readonly<Record<string, string>> = {
  '⁰': '0',
  '¹': '1',
  '²': '2',
  '³': '3',
  '⁴': '4',
  '⁵': '5',
  '⁶': '6',
  '⁷': '7',
  '⁸': '8',
  '⁹': '9',
};

/** "x10E3/uL", "10^3/uL", "10**3/uL", "×10³/µL" (after superscripts are made digits). */
const POWER_OF_TEN = /^[x×]?10(?:\^|\*\*|\*|[eE])(\d{1,2})(?=\/|$)/;
/**
 * "K/uL" and "M/uL" are thousands and millions per µL in US lab reports, never kelvin or molar;
 * "thou/mm3" and "mill/mm3" (Meditech, reference labs) the same, spelt out.
 */
const THOUSANDS_MILLIONS = /^([KkM]|thou|Thou|THOU|mill|Mill|MILL)\/(.+)$/;
/** "cells/uL", "cells/mm3": a count annotation, dimensionless in UCUM. */
const CELLS = /(^|\/)cells?(?=\/|$)/i;
/** "IU/L", "mIU/mL", "uIU/mL": the international unit is written [IU] in UCUM. */
const INTERNATIONAL_UNIT = /(^|[^A-Za-z[])([kmunp]?)IU(?![A-Za-z\]])/g;
/** "mEq/L": UCUM writes equivalents as "eq". */
const EQUIVALENTS = /(^|[^A-Za-z])([mu]?)Eq(?![A-Za-z])/g;
/** "mg/24h", "g/24 hr", "mg/24hours": a 24-hour collection. */
const PER_24_HOURS = /\/24\.?(?:h|hr|hrs|hour|hours)$/i;
/** "mL/min/1.73m2": the eGFR body-surface annotation. */
const PER_BSA = /\/1\.73m2$/i;
/** "/HPF" in capitals or lower case, outside brackets. */
const PER_FIELD = /\/(hpf|lpf)$/i;

const cache = new Map<string, string>();

/** The UCUM code for a unit as written by an EHR (cached: units repeat endlessly). */
export function toUcum(unit: string): string {
  const cached = cache.get(unit);
  if (cached !== undefined) return cached;
  const result = rewrite(unit);
  cache.set(unit, result);
  return result;
}

function rewrite(unit: string): string {
  let u = unit.trim().replace(/[µμ]/g, 'u');
  const whole = WHOLE_UNIT[u.toLowerCase()];
  if (whole !== undefined) return whole;
  u = u.replace(/\s+/g, '');
  const compactWhole = WHOLE_UNIT[u.toLowerCase()];
  if (compactWhole !== undefined) return compactWhole;
  u = u.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]+/g, (digits) => '^' + Array.from(digits, (d) => SUPERSCRIPT_DIGITS[d] ?? '').join(''));
  const power = POWER_OF_TEN.exec(u);
  if (power) u = `10*${power[1] ?? ''}${u.slice(power[0].length)}`;
  const thousands = THOUSANDS_MILLIONS.exec(u);
  if (thousands) u = `${thousands[1] === 'M' || thousands[1]?.toLowerCase() === 'mill' ? '10*6' : '10*3'}/${thousands[2] ?? ''}`;
  u = u.replace(CELLS, '$1{cells}');
  u = u.replace(INTERNATIONAL_UNIT, '$1$2[IU]');
  u = u.replace(EQUIVALENTS, '$1$2eq');
  u = u.replace(/mcg/g, 'ug');
  u = u.replace(PER_24_HOURS, '/(24.h)');
  u = u.replace(PER_BSA, '/{1.73_m2}');
  u = u.replace(PER_FIELD, (_m, field: string) => `/[${field.toUpperCase()}]`);
  if (u.endsWith('/day')) u = `${u.slice(0, -4)}/d`;
  return u;
}

/**
 * Spellings UCUM accepts but that nobody means literally: "10.3/uL" is 30 per µL in UCUM
 * (10 times 3), a typo for 10*3/uL in a lab feed. Refusing is safer than guessing.
 */
export function ambiguousSpelling(ucum: string): string | undefined {
  if (/^[x×]?10\.\d/.test(ucum)) return `"${ucum}" reads as a product (10 times a number) in UCUM, not a power of ten`;
  return undefined;
}
