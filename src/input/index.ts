export { groupResourcesByPatient, type GroupOptions, type GroupResult } from './group';
export { readPatientBundles, type PatientReader } from './read-patient-bundles';
export { SCREENING_RESOURCE_TYPES, screeningTypesFor } from './resource-types';
export { formatInputError, inputErrorLines, summariseErrors } from './summarise';
export type { InputFileError, PatientResources, ReadOptions } from './types';
