/**
 * Cohort queries: select candidates on a FHIR server (or take them from Bulk Data), screen each
 * with the shared use case, journal every patient, summarise (outcomes, funnel, new candidates)
 * as JSON, CSV, HTML and a FHIR MeasureReport. Entry points: the CLI command, the API router,
 * the scheduler; all go through createCohortService.
 */
export type { CandidateSource, CandidateStream, CohortCandidate, CohortInput } from './types';
export {
  cohortDefinitionSchema,
  cohortRunRequestSchema,
  runIdSchema,
  selectionSchema,
  type CohortDefinition,
  type CohortRunRequest,
  type Selection,
} from './definition';
export { candidateSourceFor, diagnosisQuery, diagnosisSource, explicitIdsSource, groupSource, type DiagnosisQuery, type DiagnosisSourceOptions, type PrefixSearch } from './candidates';
export { runCohort, type CohortProgress, type CohortRunDeps, type CohortRunOptions, type CohortRunResult, type MeasureReportWriter } from './run/run-cohort';
export { screenCandidate } from './run/screen-candidate';
export type { CohortCounts, CriterionCounts } from './run/tally';
export type { CohortSummary, NewCandidate, RunStatus } from './summary/types';
export { createCohortService, type CohortRunView, type CohortService, type CohortServiceDeps } from './service';
export { createCohortRouter } from './http/router';
export { cohortCommand, COHORT_USAGE } from './cli/cohort-command';
export { loadCohortConfig, parseScheduleString, type CohortConfig, type ScheduleEntry } from './schedule/config';
export { startCohortScheduler, type CohortScheduler } from './schedule/scheduler';
export { buildMeasureReport, measureCanonical, measureReportId } from './render/measure-report';
export { renderCsv } from './render/csv';
export { renderHtml } from './render/html';
export { fhirMeasureReportWriter } from './fhir-measure-report';
export { runPaths, runsRoot } from './journal/run-dir';
export { readJournal } from './journal/journal-file';
export type { JournalRecord } from './journal/records';
