import { validateResource } from '@medplum/core';
import type { DocumentReference, Provenance, Resource, ResearchSubject } from '@medplum/fhirtypes';
import type { Request, NextFunction, Response } from 'express';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource, writeBack } from '../../src/fhir';
import type { FhirSource } from '../../src/fhir';
import type { TrialFile } from '../../src/mapping/schema';
import type { EligibilityReport, Outcome } from '../../src/report/types';
import { observation, patient, startServer } from '../server/support';
import type { Json, TestServer } from '../server/support';

const trial: TrialFile = {
  id: 'sle-cart',
  title: 'CAR-T for refractory SLE <phase 1>',
  version: '3',
  identifiers: [{ system: 'http://clinicaltrials.gov', value: 'NCT00000001' }],
  candidateValueSets: [],
  anchors: [],
  criteria: [
    { id: 'sle.inc.age', type: 'inclusion', text: 'Age 18 to 65 years', manual: false, rule: { kind: 'age', min: 18, max: 65 } },
    { id: 'sle.inc.consent', type: 'inclusion', text: 'Signed informed consent', manual: true, rule: { kind: 'manual', reason: 'consent' } },
    { id: 'sle.exc.hiv', type: 'exclusion', text: 'HIV infection', manual: false, rule: { kind: 'manual', reason: 'placeholder' } },
  ],
};

function reportFor(patientId: string, outcome: Outcome, explanation = 'age 40 <script>alert(1)</script>'): EligibilityReport {
  return {
    trial: 'sle-cart',
    trialVersion: '3',
    patient: `Patient/${patientId}`,
    asOf: '2025-03-01',
    outcome,
    criteria: [
      { id: 'sle.inc.age', type: 'inclusion', status: 'met', explanation, evidence: [{ reference: `Patient/${patientId}`, note: 'birth date (not shown)' }] },
      { id: 'sle.inc.consent', type: 'inclusion', status: 'review', explanation: 'needs signed consent', evidence: [], confirm: 'consent', manual: true },
      {
        id: 'sle.exc.hiv',
        type: 'exclusion',
        status: 'met',
        explanation: 'HIV test negative',
        evidence: [{ reference: `Observation/${patientId}-hiv`, value: 'Negative', date: '2025-02-01' }, { reference: 'computed score' }],
      },
    ],
    summary: { notMet: [], unknown: [], review: ['sle.inc.consent'], awaitingWashout: [] },
    warnings: [],
    generator: { name: 'eligo', version: '0.1.0' },
  };
}

/** Every search the server was asked, alone or inside a batch. */
const searched: string[] = [];

/** Runs `hook` once, just before the next transaction Bundle reaches the server. */
let beforeNextTransaction: (() => Promise<void>) | undefined;
const hook = async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
  const body = req.body as { type?: unknown; entry?: { request?: { url?: string } }[] } | undefined;
  if (req.method === 'GET') searched.push(req.originalUrl);
  if (req.method === 'POST' && body?.type === 'batch') searched.push(...(body.entry ?? []).map((e) => e.request?.url ?? ''));
  const run = beforeNextTransaction;
  if (run && req.method === 'POST' && body?.type === 'transaction') {
    beforeNextTransaction = undefined;
    await run();
  }
  next();
};

async function serverWithPatients(options: { transaction?: boolean; batch?: boolean } = {}): Promise<{ t: TestServer; source: FhirSource }> {
  const t = await startServer({ ...options, middleware: [(req, res, next) => void hook(req, res, next)] });
  const ids = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'];
  await t.server.load(ids.flatMap((id) => [patient(id), { ...observation(`${id}-hiv`, id, '7918-6', '2025-02-01') }]) as Resource[]);
  return { t, source: createFhirSource({ baseUrl: t.base }) };
}

async function search(t: TestServer, query: string): Promise<Json[]> {
  const { body } = await t.call('GET', query);
  return (body.entry ?? []).map((e: Json) => e.resource);
}

/** Everything eligo keeps for one (trial, patient): each list should hold exactly one resource. */
async function recordOf(t: TestServer, patientId: string): Promise<{ studies: Json[]; subjects: Json[]; reports: Json[]; provenances: Json[] }> {
  const studies = await search(t, 'ResearchStudy?identifier=urn:eligo:trial|sle-cart');
  const subjects = await search(t, `ResearchSubject?individual=${patientId}`);
  const reports = await search(t, `DocumentReference?patient=${patientId}`);
  const provenances = reports[0] ? await search(t, `Provenance?target=DocumentReference/${reports[0].id as string}`) : [];
  return { studies, subjects, reports, provenances };
}

const attachmentText = (doc: DocumentReference, type: string): string =>
  Buffer.from(doc.content.find((c) => c.attachment.contentType?.startsWith(type))?.attachment.data ?? '', 'base64').toString('utf8');

describe('writing a screening back to the FHIR server', () => {
  let t: TestServer;
  let source: FhirSource;
  beforeAll(async () => {
    ({ t, source } = await serverWithPatients());
  });
  afterAll(() => t.running.close());

  it('writes once and, run again, leaves exactly one ResearchStudy, ResearchSubject, report and Provenance', async () => {
    const first = await writeBack(source, { trial, report: reportFor('w1', 'potential-candidate'), serviceVersion: '0.1.0' });
    expect(first.mode).toBe('transaction');
    expect(first.written).toHaveLength(4);
    const second = await writeBack(source, { trial, report: reportFor('w1', 'potential-candidate'), serviceVersion: '0.1.0' });
    expect(second.mode).toBe('unchanged');
    expect(second.written).toEqual([]);
    expect([second.researchStudy, second.researchSubject, second.report, second.provenance]).toEqual([
      first.researchStudy,
      first.researchSubject,
      first.report,
      first.provenance,
    ]);
    const record = await recordOf(t, 'w1');
    expect([record.studies.length, record.subjects.length, record.reports.length, record.provenances.length]).toEqual([1, 1, 1, 1]);
    expect(record.subjects[0].status).toBe('potential-candidate');
    expect(record.subjects[0].identifier[0].value).toMatch(/^sle-cart:[0-9a-f]{32}$/);
    expect(JSON.stringify(record.subjects[0].identifier)).not.toContain('w1');
    // Patient-scoped tokens need the patient in the report search, which the server declares it supports.
    expect(searched.filter((url) => url.startsWith('DocumentReference?identifier=')).every((url) => url.includes('&patient=Patient%2Fw1'))).toBe(true);
    expect(searched.some((url) => url.startsWith('DocumentReference?identifier='))).toBe(true);
  });

  it('updates the same resources in place when the outcome changes', async () => {
    const first = await writeBack(source, { trial, report: reportFor('w2', 'potential-candidate'), serviceVersion: '0.1.0' });
    const second = await writeBack(source, { trial, report: reportFor('w2', 'eligible'), serviceVersion: '0.1.0' });
    expect(second.mode).toBe('transaction');
    expect(second.researchSubject).toBe(first.researchSubject);
    expect(second.report).toBe(first.report);
    expect(second.provenance).toBe(first.provenance);
    const record = await recordOf(t, 'w2');
    expect([record.subjects.length, record.reports.length, record.provenances.length]).toEqual([1, 1, 1]);
    expect(record.subjects[0].status).toBe('eligible');
    expect(record.reports[0].meta.versionId).toBe('2');
    expect(JSON.parse(attachmentText(record.reports[0], 'application/json')).outcome).toBe('eligible');
  });

  it('never overwrites a status a person set, but still updates the report and the outcome it records', async () => {
    await writeBack(source, { trial, report: reportFor('w3', 'eligible'), serviceVersion: '0.1.0' });
    const [subject] = (await search(t, 'ResearchSubject?individual=w3')) as ResearchSubject[];
    const moved = await t.call('PUT', `ResearchSubject/${subject?.id ?? ''}`, { ...subject, status: 'on-study' }, { 'if-match': `W/"${subject?.meta?.versionId ?? ''}"` });
    expect(moved.status).toBe(200);

    const result = await writeBack(source, { trial, report: reportFor('w3', 'ineligible'), serviceVersion: '0.1.0' });
    expect(result.statusKeptFromPerson).toBe(true);
    expect(result.subjectStatus).toBe('on-study');
    const [after] = (await search(t, 'ResearchSubject?individual=w3')) as ResearchSubject[];
    expect(after?.status).toBe('on-study');
    expect(after?.extension?.find((e) => e.url === 'urn:eligo:extension:screening-outcome')?.valueCode).toBe('ineligible');
    const record = await recordOf(t, 'w3');
    expect(JSON.parse(attachmentText(record.reports[0], 'application/json')).outcome).toBe('ineligible');
  });

  it('fails with ERR_WRITE_CONFLICT when someone edits the ResearchSubject meanwhile, and writes nothing', async () => {
    await writeBack(source, { trial, report: reportFor('w4', 'potential-candidate'), serviceVersion: '0.1.0' });
    const before = await recordOf(t, 'w4');
    beforeNextTransaction = async () => {
      const subject = before.subjects[0] as ResearchSubject;
      await t.server.repo.updateResource({ ...subject, status: 'screening' });
    };
    const error: unknown = await writeBack(source, { trial, report: reportFor('w4', 'eligible'), serviceVersion: '0.1.0' }).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_WRITE_CONFLICT')).toBe(true);
    const after = await recordOf(t, 'w4');
    expect(after.reports[0].meta.versionId).toBe(before.reports[0].meta.versionId);
    expect(after.provenances[0].meta.versionId).toBe(before.provenances[0].meta.versionId);
    expect(after.subjects[0].status).toBe('screening');
  });

  it('leaves a ResearchSubject a coordinator created for this study and patient alone', async () => {
    await writeBack(source, { trial, report: reportFor('w5', 'eligible'), serviceVersion: '0.1.0' });
    const record = await recordOf(t, 'w5');
    await t.call('DELETE', `ResearchSubject/${record.subjects[0].id as string}`);
    const theirs = await t.call('POST', 'ResearchSubject', {
      resourceType: 'ResearchSubject',
      status: 'screening',
      study: { reference: `ResearchStudy/${record.studies[0].id as string}` },
      individual: { reference: 'Patient/w5' },
    });
    const result = await writeBack(source, { trial, report: reportFor('w5', 'ineligible'), serviceVersion: '0.1.0' });
    expect(result.researchSubject).toBe(`ResearchSubject/${theirs.body.id as string}`);
    expect(result.subjectStatus).toBe('screening');
    const subjects = await search(t, 'ResearchSubject?individual=w5');
    expect(subjects).toHaveLength(1);
    expect(subjects[0].meta.versionId).toBe('1');
  });

  it('writes resources that pass R4 validation, with the JSON report, escaped HTML and the evidence as Provenance sources', async () => {
    const result = await writeBack(source, { trial, report: reportFor('w6', 'eligible'), serviceVersion: '0.1.0', onBehalfOf: 'Practitioner/dr-1' });
    const record = await recordOf(t, 'w6');
    for (const resource of [record.studies[0], record.subjects[0], record.reports[0], record.provenances[0]] as Resource[]) {
      expect([resource.resourceType, validateResource(resource)]).toEqual([resource.resourceType, []]);
    }
    const doc = record.reports[0] as DocumentReference;
    expect(JSON.parse(attachmentText(doc, 'application/json'))).toEqual(reportFor('w6', 'eligible'));
    const html = attachmentText(doc, 'text/html');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain('<script>');
    const provenance = record.provenances[0] as Provenance;
    expect(provenance.target.map((r) => r.reference).sort()).toEqual([result.report, result.researchSubject].sort());
    expect(provenance.entity?.map((e) => e.what.reference)).toEqual(['Patient/w6', 'Observation/w6-hiv']);
    expect(provenance.agent[0]?.who.display).toBe('eligo 0.1.0');
    expect(provenance.agent[0]?.onBehalfOf?.reference).toBe('Practitioner/dr-1');
    expect(record.studies[0].identifier).toEqual([
      { system: 'urn:eligo:trial', value: 'sle-cart' },
      { system: 'http://clinicaltrials.gov', value: 'NCT00000001' },
    ]);
    expect(record.studies[0].description).toContain('1. Age 18 to 65 years (`sle.inc.age`)');
  });
});

describe('writing back to a server without transactions or batch', () => {
  it('writes in dependency order with the same single record, and nothing on a repeat', async () => {
    const { t, source } = await serverWithPatients({ transaction: false, batch: false });
    try {
      const first = await writeBack(source, { trial, report: reportFor('w7', 'ineligible'), serviceVersion: '0.1.0' });
      expect(first.mode).toBe('ordered');
      const second = await writeBack(source, { trial, report: reportFor('w7', 'ineligible'), serviceVersion: '0.1.0' });
      expect(second.mode).toBe('unchanged');
      const record = await recordOf(t, 'w7');
      expect([record.studies.length, record.subjects.length, record.reports.length, record.provenances.length]).toEqual([1, 1, 1, 1]);
      expect(record.subjects[0].study.reference).toBe(first.researchStudy);
      expect(record.provenances[0].target.map((r: Json) => r.reference).sort()).toEqual([first.report, first.researchSubject].sort());
    } finally {
      await t.running.close();
    }
  });
});
