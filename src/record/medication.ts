import { convertQuantity } from '../units/convert';
import { ignore, warn, type RecordBuilder } from './builder';
import { addDays } from './dates';
import { resolveMedication } from './medication-reference';
import { parseFhirDateTime } from './fhir-date';
import { concept, dose, list, num, obj, str } from './read';
import {
  judgeStatus,
  MEDICATION_ADMINISTRATION_STATUS,
  MEDICATION_REQUEST_STATUS,
  MEDICATION_STATEMENT_STATUS,
  type Verdict,
} from './statuses';
import type { MedicationExposure, MedicationSource } from './types';

/** CONVENTIONS.md: a request with neither validityPeriod end nor expectedSupplyDuration covers 30 days. */
const DEFAULT_REQUEST_DAYS = 30;

/** HL7 timing abbreviations (GTSAbbreviation) with a fixed number of administrations per day. */
const TIMES_PER_DAY_BY_CODE: Readonly<Record<string, number>> = {
  QD: 1,
  AM: 1,
  PM: 1,
  BED: 1,
  BID: 2,
  TID: 3,
  QID: 4,
  QOD: 0.5,
  Q1H: 24,
  Q2H: 12,
  Q3H: 8,
  Q4H: 6,
  Q6H: 4,
  Q8H: 3,
  WK: 1 / 7,
};

export function addMedicationStatement(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  const exposure = baseExposure(builder, resource, reference, 'MedicationStatement', status, judgeStatus(MEDICATION_STATEMENT_STATUS, status));
  if (!exposure) return;
  const dateTime = str(resource.effectiveDateTime);
  const period = obj(resource.effectivePeriod);
  const start = dateTime ?? str(period?.start);
  // A single effectiveDateTime on a finished statement is the day it was taken; on an
  // active one it is when taking began.
  const end = status === 'active' ? str(period?.end) : (dateTime ?? str(period?.end));
  setInterval(exposure, start, end, start !== undefined || end !== undefined ? 'effective' : 'unknown');
  exposure.ongoing = status === 'active' && end === undefined;
  builder.record.medications.push(...dosageSteps(builder, reference, exposure, list(resource.dosage)));
}

export function addMedicationRequest(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  let verdict = judgeStatus(MEDICATION_REQUEST_STATUS, status);
  if (verdict.counts && resource.doNotPerform === true) verdict = { counts: false, reason: 'doNotPerform: an order not to give it' };
  const exposure = baseExposure(builder, resource, reference, 'MedicationRequest', status, verdict);
  if (!exposure) return;
  const authoredOn = str(resource.authoredOn);
  const dispense = obj(resource.dispenseRequest);
  if (authoredOn === undefined) {
    exposure.intervalBasis = 'unknown';
    warn(builder, reference, 'no authoredOn: the exposure dates are unknown');
  } else {
    exposure.start = authoredOn;
    const validityEnd = str(obj(dispense?.validityPeriod)?.end);
    const supplyDays = supplyDurationDays(builder, reference, dispense?.expectedSupplyDuration);
    if (validityEnd !== undefined) setInterval(exposure, authoredOn, validityEnd, 'validityPeriod');
    else if (supplyDays !== undefined) setInterval(exposure, authoredOn, addDays(authoredOn, supplyDays), 'expectedSupplyDuration');
    else setInterval(exposure, authoredOn, addDays(authoredOn, DEFAULT_REQUEST_DAYS), 'assumed30Days');
    if (exposure.end === undefined) warn(builder, reference, `authoredOn "${authoredOn}" is not a date: the exposure end is unknown`);
    // Each refill allowed may add a supply: to the validity end and one supply past it, or one supply each.
    const repeats = num(dispense?.numberOfRepeatsAllowed);
    const supply = supplyDays ?? (validityEnd === undefined ? DEFAULT_REQUEST_DAYS : undefined);
    if (repeats !== undefined && repeats > 0 && supply !== undefined) {
      const latest = validityEnd !== undefined ? addDays(validityEnd, supply) : addDays(authoredOn, supply * (1 + repeats));
      if (latest !== undefined) exposure.endAtMost = latest;
    }
  }
  builder.record.medications.push(...dosageSteps(builder, reference, exposure, list(resource.dosageInstruction)));
}

export function addMedicationAdministration(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  const dateTime = str(resource.effectiveDateTime);
  const period = obj(resource.effectivePeriod);
  const start = dateTime ?? str(period?.start);
  let verdict: Verdict = judgeStatus(MEDICATION_ADMINISTRATION_STATUS, status);
  if (status === 'stopped') {
    // Stopped after it started is an exposure; stopped before start is not (CONVENTIONS.md).
    verdict = start === undefined ? { counts: false, reason: 'status stopped before start' } : { counts: true };
  }
  const exposure = baseExposure(builder, resource, reference, 'MedicationAdministration', status, verdict);
  if (!exposure) return;
  const end = dateTime ?? str(period?.end);
  setInterval(exposure, start, end, start !== undefined || end !== undefined ? 'effective' : 'unknown');
  exposure.ongoing = status === 'in-progress' && end === undefined;
  const dosage = obj(resource.dosage);
  if (dosage) {
    const route = concept(dosage.route);
    if (route) exposure.route = route;
    const amount = dose(dosage.dose);
    if (amount) {
      exposure.dose = amount;
      // One administration: its dose is that day's dose (a single IV pulse has no frequency).
      exposure.timesPerDay = 1;
    }
  }
  builder.record.medications.push(exposure);
}

function baseExposure(
  builder: RecordBuilder,
  resource: Record<string, unknown>,
  reference: string,
  source: MedicationSource,
  status: string | undefined,
  verdict: Verdict,
): MedicationExposure | undefined {
  if (!verdict.counts) {
    ignore(builder, reference, source, verdict.reason, concept(resource.medicationCodeableConcept));
    return undefined;
  }
  const medication = resolveMedication(builder, resource, reference);
  if (!medication) {
    warn(builder, reference, 'skipped: no medicationCodeableConcept or medicationReference');
    return undefined;
  }
  const exposure: MedicationExposure = {
    reference,
    source,
    status: status as string,
    concept: medication.concept,
    ingredientConcepts: medication.ingredientConcepts,
    ongoing: false,
  };
  if (medication.unresolved !== undefined) exposure.unresolvedMedication = medication.unresolved;
  return exposure;
}

function setInterval(exposure: MedicationExposure, start: string | undefined, end: string | undefined, basis: NonNullable<MedicationExposure['intervalBasis']>): void {
  if (start !== undefined) exposure.start = start;
  if (end !== undefined) exposure.end = end;
  exposure.intervalBasis = basis;
}

function supplyDurationDays(builder: RecordBuilder, reference: string, value: unknown): number | undefined {
  const duration = obj(value);
  if (!duration) return undefined;
  const amount = num(duration.value);
  const unit = str(duration.code) ?? str(duration.unit);
  if (amount !== undefined && unit !== undefined) {
    const days = convertQuantity(amount, unit, 'd');
    if (days.ok && days.value >= 0) return days.value;
  }
  warn(builder, reference, 'expectedSupplyDuration not used: it has no readable value and time unit');
  return undefined;
}

/**
 * The dose in force on each day (CONVENTIONS.md "Doses"). One Dosage is the whole interval's.
 * Several are a taper: each step covers its `timing.repeat.boundsPeriod`, or its
 * `boundsDuration` counted on from the previous step (in `sequence` order), and becomes an
 * exposure of its own, so a window reads the step of each of its days. Steps whose days cannot
 * be told leave the dose unknown rather than taking the first step's.
 */
function dosageSteps(builder: RecordBuilder, reference: string, exposure: MedicationExposure, dosages: readonly unknown[]): MedicationExposure[] {
  const given = dosages.map(obj).filter((d): d is Record<string, unknown> => d !== undefined);
  if (given.length <= 1) {
    addDosage(exposure, given[0]);
    return [exposure];
  }
  const ordered = given.map((d, i) => ({ d, order: num(d.sequence) ?? i })).sort((a, b) => a.order - b.order);
  const steps: MedicationExposure[] = [];
  let cursor = exposure.start;
  for (const { d } of ordered) {
    const repeat = obj(obj(d.timing)?.repeat);
    const period = obj(repeat?.boundsPeriod);
    const periodStart = str(period?.start);
    const periodEnd = str(period?.end);
    let start: string | undefined;
    let end: string | undefined;
    if (periodStart !== undefined && parseFhirDateTime(periodStart) && (periodEnd === undefined || parseFhirDateTime(periodEnd))) {
      start = periodStart;
      end = periodEnd;
    } else {
      const days = boundsDays(obj(repeat?.boundsDuration));
      if (days !== undefined && cursor !== undefined) {
        start = cursor;
        end = addDays(cursor, days - 1);
      }
    }
    if (start === undefined) {
      // Which step is in force on which day cannot be told: no dose is better than the first step's.
      warn(builder, reference, 'a dosage with several steps whose days are not given: the daily dose is unknown');
      const route = concept(given[0]?.route);
      if (route) exposure.route = route;
      return [exposure];
    }
    const step: MedicationExposure = { ...exposure, start, ongoing: exposure.ongoing && end === undefined, intervalBasis: 'effective' };
    delete step.end;
    delete step.dose;
    delete step.timesPerDay;
    if (end !== undefined) step.end = end;
    addDosage(step, d);
    steps.push(step);
    cursor = end === undefined ? undefined : addDays(end, 1);
  }
  return steps;
}

function boundsDays(duration: Record<string, unknown> | undefined): number | undefined {
  const value = num(duration?.value);
  const unit = str(duration?.code) ?? str(duration?.unit);
  if (value === undefined || value <= 0 || unit === undefined) return undefined;
  const days = convertQuantity(value, unit, 'd');
  return days.ok ? Math.round(days.value) : undefined;
}

/** Dosage (R4 Dosage): route, the first dose quantity, administrations per day. */
function addDosage(exposure: MedicationExposure, value: unknown): void {
  const dosage = obj(value);
  if (!dosage) return;
  const route = concept(dosage.route);
  if (route) exposure.route = route;
  for (const item of list(dosage.doseAndRate)) {
    const amount = dose(obj(item)?.doseQuantity);
    if (amount) {
      exposure.dose = amount;
      break;
    }
  }
  const perDay = timesPerDay(obj(dosage.timing));
  if (perDay !== undefined) exposure.timesPerDay = perDay;
}

function timesPerDay(timing: Record<string, unknown> | undefined): number | undefined {
  if (!timing) return undefined;
  const repeat = obj(timing.repeat);
  const period = num(repeat?.period);
  const periodUnit = str(repeat?.periodUnit);
  if (repeat && period !== undefined && period > 0 && periodUnit !== undefined) {
    const frequency = num(repeat.frequency) ?? 1;
    // Periods per day first (24 for "h"), so 1 every 4 h is exactly 6 a day.
    const unitsPerDay = convertQuantity(1, 'd', periodUnit);
    if (unitsPerDay.ok && unitsPerDay.value > 0) return Number(((frequency * unitsPerDay.value) / period).toPrecision(12));
  }
  const code = concept(timing.code)?.codings.find((c) => c.code !== undefined)?.code?.toUpperCase();
  return code === undefined ? undefined : TIMES_PER_DAY_BY_CODE[code];
}
