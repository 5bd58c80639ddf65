import type { OperationOutcome } from '@medplum/fhirtypes';

/** An OperationOutcome line for the manifest's error files. */
export function errorLine(code: 'not-found' | 'processing', text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}
