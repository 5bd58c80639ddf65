import type { Resource } from '@medplum/fhirtypes';
import { createFhirServer } from '../../src/server';
import type { FhirServer, FhirServerOptions, RunningFhirServer } from '../../src/server';

/** FHIR JSON off the wire, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions check the shape; a type would only restate them
export type Json = any;

export interface TestServer {
  server: FhirServer;
  running: RunningFhirServer;
  base: string;
  /** JSON over HTTP to the server; `path` is relative to the FHIR base. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Json }>;
}

export async function startServer(options: FhirServerOptions = {}): Promise<TestServer> {
  const server = createFhirServer(options);
  const running = await server.listen(0);
  const base = running.baseUrl;
  return {
    server,
    running,
    base,
    call: async (method, path, body, headers = {}) => {
      const response = await fetch(path.startsWith('http') ? path : `${base}/${path}`, {
        method,
        headers: { accept: 'application/fhir+json', ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
  };
}

export function patient(id: string, extra: Record<string, unknown> = {}): Resource {
  return { resourceType: 'Patient', id, name: [{ family: 'Test', given: ['Pat'] }], ...extra } as Resource;
}

export function observation(id: string, patientId: string, code: string, date: string): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    valueQuantity: { value: 1, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  } as Resource;
}

export function condition(id: string, patientId: string, system: string, code: string): Resource {
  return {
    resourceType: 'Condition',
    id,
    code: { coding: [{ system, code }] },
    subject: { reference: `Patient/${patientId}` },
  } as Resource;
}
