import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { createFhirServer, loadFhirFiles, type FhirServer, type FhirServerOptions, type RunningFhirServer } from '../../src/server';

export const ROOT = path.resolve(__dirname, '../..');
export const EXAMPLES = path.join(ROOT, 'examples');
export const SYNTHEA = path.resolve(ROOT, '..', 'shared', 'fhir-samples', 'synthea-r4');
export const SLE_EXAMPLES = [
  { file: 'sle-eligible.json', id: 'sle-eligible' },
  { file: 'sle-ineligible.json', id: 'sle-ineligible' },
  { file: 'sle-potential-candidate.json', id: 'sle-potential' },
] as const;

export interface TestFhir {
  server: FhirServer;
  running: RunningFhirServer;
  base: string;
}

export async function startFhir(options: FhirServerOptions = {}): Promise<TestFhir> {
  const server = createFhirServer(options);
  const running = await server.listen(0);
  return { server, running, base: running.baseUrl };
}

/** An example patient's Bundle with every id renamed (the examples' ids all start with the patient id). */
export function exampleCopy(file: string, patientId: string, newId: string): Bundle {
  const text = readFileSync(path.join(EXAMPLES, file), 'utf8');
  return JSON.parse(text.split(patientId).join(newId)) as Bundle;
}

const SLE_CODINGS = [
  { code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M32.14' }] } },
  { code: { coding: [{ system: 'http://snomed.info/sct', code: '200936003', display: 'Lupus erythematosus' }] } },
  // Only text, as some sites send it: found by the code:text search.
  { code: { text: 'Systemic lupus erythematosus with nephritis' } },
  // Dotless ICD-10-CM, as some EHRs send it.
  { code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M3219' }] } },
];

/** A Synthea transaction Bundle plus an SLE Condition for its patient (POST entries: new ids on every load). */
export function syntheaWithLupus(file: string, variant: number): Bundle {
  const bundle = JSON.parse(readFileSync(path.join(SYNTHEA, file), 'utf8')) as Bundle;
  const patientEntry = (bundle.entry ?? []).find((e) => e.resource?.resourceType === 'Patient') as BundleEntry;
  const condition = {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    subject: { reference: patientEntry.fullUrl },
    onsetDateTime: '2019-03-01',
    ...SLE_CODINGS[variant % SLE_CODINGS.length],
  } as Resource;
  bundle.entry = [...(bundle.entry ?? []), { fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(variant).padStart(12, '0')}`, resource: condition, request: { method: 'POST', url: 'Condition' } }];
  return bundle;
}

export function syntheaFiles(): string[] {
  return readdirSync(SYNTHEA)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/**
 * The large population: the 6 examples and the 98 Synthea bundles as shipped, plus lupus
 * copies so that more than 200 patients have an SLE diagnosis: Synthea patients given an SLE
 * Condition (coded four ways, one of them text only) and renamed copies of the SLE examples.
 */
export async function loadLargePopulation(server: FhirServer, options: { syntheaWithLupus: number; exampleCopies: number }): Promise<void> {
  await loadFhirFiles(server, [EXAMPLES, SYNTHEA]);
  const files = syntheaFiles();
  for (let i = 0; i < options.syntheaWithLupus; i++) await server.load(syntheaWithLupus(files[i % files.length] as string, i), { owned: true });
  for (let i = 0; i < options.exampleCopies; i++) {
    const sle = SLE_EXAMPLES[i % SLE_EXAMPLES.length] as (typeof SLE_EXAMPLES)[number];
    await server.load(exampleCopy(sle.file, sle.id, `${sle.id}-copy${i}`), { owned: true });
  }
}

/** Every Patient id on the server, over every page. */
export async function allPatientIds(base: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `${base}/Patient?_count=500`;
  while (next) {
    const page = (await (await fetch(next)).json()) as { entry?: { resource?: { id?: string } }[]; link?: { relation: string; url: string }[] };
    ids.push(...(page.entry ?? []).map((e) => e.resource?.id ?? '').filter(Boolean));
    next = page.link?.find((l) => l.relation === 'next')?.url;
  }
  return ids;
}
