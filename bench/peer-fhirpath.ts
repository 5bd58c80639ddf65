/**
 * The peer of issue 12: fhirpath.js (the HL7 FHIRPath engine on npm, with its R4 model) on the
 * same patients, evaluating four of sle-cart's criteria written as FHIRPath over the patient's
 * Bundle, against eligo normalising the same resources and evaluating all criteria of the seed
 * trials. The expressions take their codes from eligo's own compiled terminology (value sets,
 * analytes, medication classes), so both read the same codes; they are simpler than eligo's rules
 * (no "latest", no unit conversion, no status or verification rules, no exclusions of a value
 * set): what is compared is the cost of a criterion, not its answers.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { performance } from 'node:perf_hooks';
import type { CompiledTrial } from '../src/mapping/compile';
import { canonicalSystem } from '../src/mapping/systems';
import type { Terminology } from '../src/mapping/terminology';
import { screenResourcesForTrials } from '../src/usecases/screen';

// fhirpath.js ships no types of its own; these are the two calls used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fhirpath = require('fhirpath') as { compile(expression: string, model: unknown): (resource: unknown) => unknown[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const r4 = require('fhirpath/fhir-context/r4') as unknown;

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A FHIRPath condition on one Coding for a list of code entries (codes, prefixes, ranges) of the terminology. */
function codingTest(entries: readonly { system: string; code?: string; prefix?: string; range?: readonly [string, string] }[]): string {
  const tests = entries.map((e) => {
    const system = `system = ${quote(canonicalSystem(e.system))}`;
    if (e.code !== undefined) return `(${system} and code = ${quote(e.code)})`;
    if (e.prefix !== undefined) return `(${system} and code.startsWith(${quote(e.prefix)}))`;
    const [from, to] = e.range as readonly [string, string];
    return `(${system} and code >= ${quote(from)} and code <= ${quote(`${to}\uffff`)})`;
  });
  return tests.length > 0 ? tests.join(' or ') : 'false';
}

function valueSetTest(terminology: Terminology, keys: readonly string[]): string {
  return codingTest(keys.flatMap((k) => terminology.valueSetDefs.get(k)?.codes ?? []));
}

function classTest(terminology: Terminology, classKey: string): string {
  const members = [...(terminology.classMembers.get(classKey) ?? [])];
  const atc = (terminology.classAtcPrefixes.get(classKey) ?? []).map((prefix) => ({ system: 'atc', prefix }));
  const ingredients = members.flatMap((k) => {
    const def = terminology.ingredients.get(k)?.def;
    if (!def) return [];
    return [...def.rxnorm.map((code) => ({ system: 'rxnorm', code })), ...def.atc.map((code) => ({ system: 'atc', code })), ...def.products];
  });
  return codingTest([...ingredients, ...atc]);
}

const minusDays = (iso: string, days: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
const minusYears = (iso: string, years: number): string => `${Number(iso.slice(0, 4)) - years}${iso.slice(4)}`;

/** sle.inc.age, sle.inc.platelets, sle.exc.viral_infection and sle.exc.prior_cd19 as FHIRPath, as of `asOf`. */
export function peerExpressions(terminology: Terminology, asOf: string): Record<string, string> {
  const platelets = terminology.analytes.get('platelets')?.def.codes ?? [];
  return {
    'sle.inc.age': `Bundle.entry.resource.ofType(Patient).where(birthDate <= @${minusYears(asOf, 16)} and birthDate > @${minusYears(asOf, 56)}).exists()`,
    'sle.inc.platelets': `Bundle.entry.resource.ofType(Observation).where(code.coding.where(${codingTest(platelets)}).exists() and (effective as dateTime) >= @${minusDays(asOf, 30)}).exists(value.value >= 50)`,
    'sle.exc.viral_infection': `Bundle.entry.resource.ofType(Condition).where(clinicalStatus.coding.code = 'active' and code.coding.where(${valueSetTest(terminology, ['hepatitis_b', 'hepatitis_c', 'hiv', 'tuberculosis_active', 'malaria', 'syphilis', 'cmv', 'ebv', 'life_threatening_infection'])}).exists()).exists().not()`,
    'sle.exc.prior_cd19': `(Bundle.entry.resource.ofType(MedicationRequest) | Bundle.entry.resource.ofType(MedicationStatement) | Bundle.entry.resource.ofType(MedicationAdministration)).where((medication as CodeableConcept).coding.where(${classTest(terminology, 'anti_cd19')}).exists()).exists().not()`,
  };
}

export interface PeerTiming {
  eligoMs: number;
  peerMs: number;
  eligoCriteria: number;
  peerCriteria: number;
  /** Coding tests in the four expressions together (the terminology's codes, prefixes and ranges). */
  codingTests: number;
}

/**
 * CPU time of eligo (normalise + every criterion of `trials`) and of fhirpath.js (the four
 * expressions, compiled once) on the same parsed patients, medians of `rounds` after a warm-up.
 */
export function timePeer(patients: readonly Resource[][], trials: readonly CompiledTrial[], options: { asOf: string; leukapheresisDate?: string }, rounds: number): PeerTiming {
  const [first] = trials;
  if (!first) throw new Error('no trial to compare');
  const expressions = Object.values(peerExpressions(first.terminology, options.asOf));
  const compiled = expressions.map((e) => fhirpath.compile(e, r4));
  const codingTests = expressions.reduce((n, e) => n + (e.match(/system = '/g)?.length ?? 0), 0);
  const bundles = patients.map((resources): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }));
  let sink = 0;
  const eligo = (): void => {
    for (const resources of patients) sink += screenResourcesForTrials(trials, resources, options).length;
  };
  const peer = (): void => {
    for (const bundle of bundles) for (const expression of compiled) sink += expression(bundle).length;
  };
  const cpu = (work: () => void): number => {
    const usage = process.cpuUsage();
    work();
    const used = process.cpuUsage(usage);
    return (used.user + used.system) / 1000;
  };
  eligo();
  peer();
  const eligoTimes: number[] = [];
  const peerTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    eligoTimes.push(cpu(eligo));
    peerTimes.push(cpu(peer));
  }
  if (sink < 0) console.log(sink, performance.now());
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { eligoMs: median(eligoTimes), peerMs: median(peerTimes), eligoCriteria: trials.reduce((n, t) => n + t.criteria.length, 0), peerCriteria: compiled.length, codingTests };
}
