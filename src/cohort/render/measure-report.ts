import { createHash } from 'node:crypto';
import type { MeasureReport, MeasureReportGroup } from '@medplum/fhirtypes';
import type { CohortSummary } from '../summary/types';
import type { CriterionCounts } from '../run/tally';

const POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';
const SUBJECT_STATUS = 'http://hl7.org/fhir/research-subject-status';
export const COHORT_RUN_SYSTEM = 'urn:eligo:cohort-run';
const GROUP_SYSTEM = 'urn:eligo:cohort-group';
const CRITERION_SYSTEM = 'urn:eligo:criterion';
const STATUS_SYSTEM = 'urn:eligo:criterion-status';
const FUNNEL_SYSTEM = 'urn:eligo:screening-funnel';

/**
 * The trial's Measure as a canonical: one group per criterion (group.code = criterion id), as
 * the MeasureReport below fills it. eligo does not publish the Measure resource itself.
 */
export function measureCanonical(trial: { id: string; version: string }): string {
  return `urn:eligo:measure:${trial.id}|${trial.version}`;
}

/** A deterministic id per run, so writing the report twice updates one resource. */
export function measureReportId(runId: string): string {
  return `eligo-cohort-${createHash('sha256').update(runId).digest('hex').slice(0, 40)}`;
}

/**
 * The cohort summary as an R4 `summary` MeasureReport. Group 1 is the outcome: initial
 * population = candidates, denominator = screened, numerator = eligible or potential
 * candidate, stratified by outcome (ResearchSubject status codes, plus "failed"). Then one group
 * per criterion in catalog order: initial population = screened, denominator = decidable (met or
 * not met), numerator = met, stratified by status and by the funnel step. Counts only: no
 * patient appears in it.
 */
export function buildMeasureReport(summary: CohortSummary): MeasureReport {
  const { counts } = summary;
  const outcome: MeasureReportGroup = {
    code: concept(GROUP_SYSTEM, 'outcome', 'Screening outcome'),
    population: [
      population('initial-population', counts.screened + counts.failed),
      population('denominator', counts.screened),
      population('numerator', counts.byOutcome.eligible + counts.byOutcome['potential-candidate']),
    ],
    stratifier: [
      {
        code: [concept(GROUP_SYSTEM, 'outcome', 'Outcome')],
        stratum: [
          stratum(concept(SUBJECT_STATUS, 'eligible', 'Eligible'), counts.byOutcome.eligible),
          stratum(concept(SUBJECT_STATUS, 'potential-candidate', 'Potential candidate'), counts.byOutcome['potential-candidate']),
          stratum(concept(SUBJECT_STATUS, 'ineligible', 'Ineligible'), counts.byOutcome.ineligible),
          stratum(concept(GROUP_SYSTEM, 'failed', 'Screening failed'), counts.failed),
        ],
      },
    ],
  };
  return {
    resourceType: 'MeasureReport',
    id: measureReportId(summary.runId),
    identifier: [{ system: COHORT_RUN_SYSTEM, value: summary.runId }],
    status: summary.status === 'completed' ? 'complete' : 'pending',
    type: 'summary',
    measure: measureCanonical(summary.trial),
    date: summary.completedAt ?? summary.createdAt,
    period: { start: summary.definition.asOf, end: summary.definition.asOf },
    group: [outcome, ...summary.criteria.map(criterionGroup)],
  };
}

function criterionGroup(c: CriterionCounts): MeasureReportGroup {
  const screened = c.met + c.notMet + c.awaitingWashout + c.unknown + c.review;
  return {
    code: { coding: [{ system: CRITERION_SYSTEM, code: c.id }], text: c.text },
    population: [
      population('initial-population', screened),
      population('denominator', c.met + c.notMet + c.awaitingWashout),
      population('numerator', c.met),
    ],
    stratifier: [
      {
        code: [concept(STATUS_SYSTEM, 'status', 'Criterion status')],
        stratum: [
          stratum(concept(STATUS_SYSTEM, 'met', 'Met'), c.met),
          stratum(concept(STATUS_SYSTEM, 'not_met', 'Not met'), c.notMet),
          stratum(concept(STATUS_SYSTEM, 'awaiting_washout', 'Not met until a washout ends'), c.awaitingWashout),
          stratum(concept(STATUS_SYSTEM, 'unknown', 'Unknown'), c.unknown),
          stratum(concept(STATUS_SYSTEM, 'review', 'Review'), c.review),
        ],
      },
      {
        code: [concept(FUNNEL_SYSTEM, 'funnel', 'Screening funnel')],
        stratum: [
          stratum(concept(FUNNEL_SYSTEM, 'excluded-here', 'First criterion not met'), c.excludedHere),
          stratum(concept(FUNNEL_SYSTEM, 'remaining-after', 'Not ruled out by this or an earlier criterion'), c.remainingAfter),
        ],
      },
    ],
  };
}

function concept(system: string, code: string, display: string): { coding: { system: string; code: string; display: string }[]; text: string } {
  return { coding: [{ system, code, display }], text: display };
}

function population(code: string, count: number): NonNullable<MeasureReportGroup['population']>[number] {
  return { code: { coding: [{ system: POPULATION, code }] }, count };
}

function stratum(value: ReturnType<typeof concept>, count: number): NonNullable<NonNullable<MeasureReportGroup['stratifier']>[number]['stratum']>[number] {
  return { value, population: [population('initial-population', count)] };
}
