export { createFhirServer } from './create-fhir-server';
export type { FhirServer, FhirServerOptions, RunningFhirServer } from './create-fhir-server';
export { loadFhirFiles } from './loader/load-files';
export { withStableIds } from './loader/stable-ids';
export type { LoadSummary } from './loader/load-files';
export type { LoadInput, LoadOptions, LoadResult } from './loader/load-resources';
export { loadFhirDefinitions } from './definitions';
export type { EmbeddedRepository } from './repository';
