export { createFhirSource } from './source';
export type { FhirSource, FhirSourceOptions } from './source';
export type { FetchedPatientResources, FetchWarning } from './patient-resources';
export type { CodeQuery, PatientIdQuery } from './cohort';
export type { ServerCapabilities } from './capabilities';
export type { RetryEvent } from './http/fhir-http';
export { writeBack } from './write-back';
export type { WriteBackInput, WriteBackResult } from './write-back';
export { renderReportHtml } from './report-html';
