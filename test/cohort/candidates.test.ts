import type { RequestHandler } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { createFhirSource } from '../../src/fhir';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBulkClient } from '../../src/bulk';
import { candidateSourceFor, diagnosisSource, diagnosisQuery, type CohortInput } from '../../src/cohort';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { startFhir, type TestFhir } from './population';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const catalog = loadCatalog();
const sle = getTrial(catalog, 'sle-cart');
const ssc = getTrial(catalog, 'ssc-cart');

function patient(id: string): Resource {
  return { resourceType: 'Patient', id } as Resource;
}

function condition(id: string, patientId: string, code: Record<string, unknown>): Resource {
  return { resourceType: 'Condition', id, subject: { reference: `Patient/${patientId}` }, code } as Resource;
}

const DATA: Resource[] = [
  ...['icd-only', 'icd-dotless', 'snomed-only', 'text-only', 'ssc-icd', 'drug-lupus', 'asthma'].map(patient),
  condition('c1', 'icd-only', { coding: [{ system: ICD, code: 'M32.13' }] }),
  condition('c2', 'icd-dotless', { coding: [{ system: ICD, code: 'M3211' }] }),
  condition('c3', 'snomed-only', { coding: [{ system: 'http://snomed.info/sct', code: '55464009' }] }),
  condition('c4', 'text-only', { text: 'Systemic lupus erythematosus' }),
  condition('c5', 'ssc-icd', { coding: [{ system: ICD, code: 'M34.81' }] }),
  condition('c6', 'drug-lupus', { coding: [{ system: ICD, code: 'M32.0' }] }),
  condition('c7', 'asthma', { coding: [{ system: ICD, code: 'J45.50' }] }),
];

/** Refuses searches with these modifiers the way servers without them do: 400 with an OperationOutcome. */
function refusing(modifiers: string[]): RequestHandler {
  return (req, res, next) => {
    const bad = modifiers.find((m) => decodeURIComponent(req.originalUrl).includes(`code:${m}=`));
    if (!bad) return next();
    res.status(400).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: `unknown modifier :${bad}` }] }));
  };
}

async function ids(input: CohortInput): Promise<string[]> {
  const out: string[] = [];
  for await (const c of input) out.push(c.patientId);
  return out.sort();
}

let full: TestFhir;
let limited: TestFhir;
beforeAll(async () => {
  full = await startFhir();
  limited = await startFhir({ middleware: [refusing(['below', 'text'])] });
  await full.server.load(DATA);
  await limited.server.load(DATA);
});
afterAll(async () => {
  await full.running.close();
  await limited.running.close();
});

describe('selecting candidates by diagnosis', () => {
  it('follows included value sets and keeps ICD prefixes apart from exact codes', () => {
    const query = diagnosisQuery(ssc);
    expect(query.prefixes).toEqual(expect.arrayContaining([{ system: ICD, prefix: 'M34' }]));
    expect(query.codes).toEqual(expect.arrayContaining([{ system: 'http://www.orpha.net', code: 'ORPHA:220393' }]));
    expect(query.names).toContain('diffuse cutaneous systemic sclerosis');
  });

  it('uses code:below and code:text where the server answers them', async () => {
    const stream = await diagnosisSource(createFhirSource({ baseUrl: full.base }), sle).open(new AbortController().signal);
    expect(await ids(stream.candidates)).toEqual(['icd-dotless', 'icd-only', 'snomed-only', 'text-only']);
    expect(stream.warnings).toEqual([]);
  });

  it('falls back to explicit codes (dotted and dotless) on a server without code:below, and says what it could not search', async () => {
    const stream = await diagnosisSource(createFhirSource({ baseUrl: limited.base }), sle).open(new AbortController().signal);
    expect(await ids(stream.candidates)).toEqual(['icd-dotless', 'icd-only', 'snomed-only']);
    expect(stream.warnings).toEqual([
      expect.stringContaining('M32.1: searched as explicit codes'),
      expect.stringContaining('M32.1: searched as explicit codes'),
      expect.stringContaining('code:text'),
    ]);
  });

  it('expands a category two digits deep when told to search explicit codes', async () => {
    const stream = await diagnosisSource(createFhirSource({ baseUrl: full.base }), ssc, { prefixSearch: 'codes', textSearch: false }).open(new AbortController().signal);
    expect(await ids(stream.candidates)).toEqual(['ssc-icd']);
  });
});

describe('selecting everyone in a Bulk Data export', () => {
  it('falls back to every Patient on a server that does not advertise $export (the population the export selects, not a diagnosis search), and says so', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'eligo-export-fallback-'));
    try {
      const fhir = createFhirSource({ baseUrl: full.base });
      const source = candidateSourceFor({ by: 'export' }, sle, fhir, {}, { bulk: createBulkClient({ baseUrl: full.base }), runDir });
      expect(source.replay).toBe('stream');
      const stream = await source.open(new AbortController().signal);
      // Everyone, as Patient/$export would have exported: the asthma patient and the SSc patient too.
      expect(await ids(stream.candidates)).toEqual(['asthma', 'drug-lupus', 'icd-dotless', 'icd-only', 'snomed-only', 'ssc-icd', 'text-only']);
      expect(stream.total).toBe(7);
      expect(stream.warnings?.[0]).toMatch(/does not advertise Patient or Group \$export.*; selected the same patients by searches instead: every Patient on the server$/);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
