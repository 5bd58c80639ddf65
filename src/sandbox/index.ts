export { startSandbox, type RunningSandbox, type SandboxOptions } from './start';
export { SandboxFhirHooks, type SandboxFhirHooksOptions } from './fhir-hooks';
