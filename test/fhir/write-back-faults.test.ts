import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { NextFunction, Request, Response } from 'express';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource, writeBack, type FhirSource } from '../../src/fhir';
import type { TrialFile } from '../../src/mapping/schema';
import type { EligibilityReport } from '../../src/report/types';
import { observation, patient, startServer, type Json, type TestServer } from '../server/support';

/**
 * Write-back against servers that do not answer as they should: a transaction applied entry by
 * entry (200 with failed entries), an answer lost after the server applied the write (503, 502),
 * and what a concurrent writer in another process leaves behind. The server is the embedded one;
 * a middleware stands in for the misbehaving part, forwarding to the real server underneath.
 */
const trial: TrialFile = {
  id: 'sle-cart',
  title: 'CAR-T for refractory SLE',
  version: '3',
  identifiers: [],
  candidateValueSets: [],
  anchors: [],
  criteria: [{ id: 'sle.inc.age', type: 'inclusion', text: 'Age 18 to 65 years', manual: false, rule: { kind: 'age', min: 18, max: 65 } }],
};

function reportFor(patientId: string): EligibilityReport {
  return {
    trial: 'sle-cart',
    trialVersion: '3',
    patient: `Patient/${patientId}`,
    asOf: '2025-03-01',
    outcome: 'eligible',
    criteria: [{ id: 'sle.inc.age', type: 'inclusion', status: 'met', explanation: 'age 40', evidence: [{ reference: `Patient/${patientId}` }] }],
    summary: { notMet: [], unknown: [], review: [], awaitingWashout: [] },
    warnings: [],
    generator: { name: 'eligo', version: '0.1.0' },
  };
}

type Fault = (req: Request, res: Response) => Promise<boolean>;
/** The fault for the next transactions, in order; each returns true when it answered the request itself. */
const faults: Fault[] = [];
const PASS = 'x-test-pass';
let t: TestServer;
let source: FhirSource;

const hook = (req: Request, res: Response, next: NextFunction): void => {
  const body = req.body as { type?: unknown } | undefined;
  if (req.headers[PASS] || req.method !== 'POST' || body?.type !== 'transaction' || faults.length === 0) {
    next();
    return;
  }
  const fault = faults.shift() as Fault;
  fault(req, res).then(
    (answered) => {
      if (!answered) next();
    },
    (error: unknown) => next(error),
  );
};

/** Sends a transaction to the real server underneath the faults. */
async function forward(bundle: Bundle): Promise<{ status: number; body: Json }> {
  const response = await fetch(t.base, { method: 'POST', headers: { 'content-type': 'application/fhir+json', [PASS]: '1' }, body: JSON.stringify(bundle) });
  return { status: response.status, body: await response.json() };
}

/** As a server that applies transactions entry by entry: the Provenance entries refused with 412, the rest written. */
const refuseProvenance: Fault = async (req, res) => {
  const bundle = req.body as Bundle;
  const entries = bundle.entry ?? [];
  const kept = entries.filter((e) => e.resource?.resourceType !== 'Provenance');
  const applied = await forward({ ...bundle, entry: kept });
  const answers = (applied.body.entry ?? []) as BundleEntry[];
  let next = 0;
  res.status(200).json({
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: entries.map((e) => (e.resource?.resourceType === 'Provenance' ? { response: { status: '412 Precondition Failed' } } : answers[next++])),
  });
  return true;
};

/** The server applies the transaction, then its answer is lost: the client sees `status`. */
const applyThenAnswer =
  (status: number): Fault =>
  async (req, res) => {
    await forward(req.body as Bundle);
    res.status(status).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'upstream timed out' }] });
    return true;
  };

async function search(query: string): Promise<Json[]> {
  const { body } = await t.call('GET', query);
  return (body.entry ?? []).map((e: Json) => e.resource);
}

async function counts(patientId: string): Promise<number[]> {
  const reports = await search(`DocumentReference?patient=${patientId}`);
  const subjects = await search(`ResearchSubject?individual=${patientId}`);
  const provenances = await search('Provenance?_count=1000');
  const mine = provenances.filter((p) => (p.target as { reference: string }[]).some((r) => reports.some((d) => r.reference === `DocumentReference/${d.id as string}`)));
  return [reports.length, subjects.length, mine.length];
}

beforeAll(async () => {
  t = await startServer({ middleware: [hook] });
  await t.server.load(['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].flatMap((id) => [patient(id), observation(`${id}-obs`, id, '7918-6', '2025-02-01')]) as Resource[]);
  source = createFhirSource({ baseUrl: t.base, retryBaseDelayMs: 1 });
});
afterAll(() => t.running.close());
afterEach(() => {
  faults.length = 0;
});

describe('write-back that knows what happened', () => {
  it('completes a transaction the server applied only in part (200 with a refused entry), and says so', async () => {
    faults.push(refuseProvenance);
    const result = await writeBack(source, { trial, report: reportFor('f1'), serviceVersion: '0.1.0' });
    expect(result.warnings.join(' ')).toMatch(/only in part.*412/);
    expect(result.provenance).toMatch(/^Provenance\//);
    expect(await counts('f1')).toEqual([1, 1, 1]);
  });

  it('fails with ERR_WRITE_INCOMPLETE naming what was not written when the repair is refused too', async () => {
    faults.push(refuseProvenance, refuseProvenance);
    const error: unknown = await writeBack(source, { trial, report: reportFor('f2'), serviceVersion: '0.1.0' }).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_WRITE_INCOMPLETE')).toBe(true);
    expect((error as Error).message).toMatch(/POST Provenance \(412/);
    expect((error as Error).message).toMatch(/next write-back of this patient completes it/);
    // The next write-back completes it.
    const result = await writeBack(source, { trial, report: reportFor('f2'), serviceVersion: '0.1.0' });
    expect(result.mode).not.toBe('unchanged');
    expect(await counts('f2')).toEqual([1, 1, 1]);
  });

  it('leaves one Provenance when the server applied the transaction and then answered 503 (retried)', async () => {
    faults.push(applyThenAnswer(503));
    await writeBack(source, { trial, report: reportFor('f3'), serviceVersion: '0.1.0' });
    expect(await counts('f3')).toEqual([1, 1, 1]);
  });

  it('reads back after a 502 on the write and reports the write as applied, with a warning, not an error', async () => {
    faults.push(applyThenAnswer(502));
    const result = await writeBack(source, { trial, report: reportFor('f4'), serviceVersion: '0.1.0' });
    expect(result.warnings.join(' ')).toMatch(/had been applied although the server's answer said otherwise/);
    expect(await counts('f4')).toEqual([1, 1, 1]);
  });

  it('says "may or may not have been applied" when the server keeps failing writes it may have applied', async () => {
    const lost: Fault = async (_req, res) => {
      res.status(502).end();
      return true;
    };
    faults.push(lost, lost);
    const error: unknown = await writeBack(source, { trial, report: reportFor('f5'), serviceVersion: '0.1.0' }).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_FHIR_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/may or may not have been applied.*run it again/);
  });

  it('removes what a concurrent writer left beside this result: one report, subject and Provenance remain', async () => {
    await writeBack(source, { trial, report: reportFor('f6'), serviceVersion: '0.1.0' });
    const [report] = await search('DocumentReference?patient=f6');
    const [subject] = await search('ResearchSubject?individual=f6');
    // As a second process racing on the conditional creates would have left them.
    await t.call('POST', 'DocumentReference', { ...report, id: undefined, meta: undefined });
    await t.call('POST', 'ResearchSubject', { ...subject, id: undefined, meta: undefined });
    expect(await counts('f6')).toEqual([2, 2, 1]);
    const result = await writeBack(source, { trial, report: { ...reportFor('f6'), outcome: 'ineligible' }, serviceVersion: '0.1.0' });
    expect(result.warnings.join(' ')).toMatch(/concurrent writers/);
    expect(await counts('f6')).toEqual([1, 1, 1]);
    const [kept] = await search('DocumentReference?patient=f6');
    expect(kept.id).toBe(report.id);
  });
});
