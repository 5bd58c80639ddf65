import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { createBulkClient } from '../../src/bulk';
import type { BulkEvent } from '../../src/bulk';
import { isEligoError } from '../../src/errors/eligo-error';
import { startSeededServer } from './support';
import type { SeededServer } from './support';

function outcome(res: Response, status: number, text: string): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', details: { text } }] }));
}

const isKickOff = (req: Request): boolean => /\/(Patient|Group\/[^/]+)\/\$export$/.test(req.path);

/**
 * Behaves as Medplum 4.5.2 does: Patient and Group $export are GET only (POST answers 404), and
 * the CapabilityStatement lists Group/$export but not Patient/$export, saying Bulk Data support
 * through `instantiates`.
 */
const medplumLike: RequestHandler = (req, res, next) => {
  if (req.method === 'POST' && isKickOff(req)) return outcome(res, 404, 'Not found');
  if (req.method === 'GET' && req.path === '/metadata') {
    const send = res.send.bind(res);
    res.send = (body: unknown): Response => {
      const statement = JSON.parse(String(body)) as CapabilityStatement;
      const rest = statement.rest?.[0];
      const patient = rest?.resource?.find((r) => r.type === 'Patient');
      if (patient) delete patient.operation;
      return send(JSON.stringify(statement));
    };
  }
  next();
};

/** An older server that answers a GET kick-off 405 and takes only POST. */
const postOnly: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' && isKickOff(req)) return outcome(res, 405, 'use POST');
  next();
};

function collect(): { events: BulkEvent[]; onEvent: (event: BulkEvent) => void } {
  const events: BulkEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

const kickOffs = (events: readonly BulkEvent[]): BulkEvent[] => events.filter((e) => e.type === 'kick-off');

describe('Bulk Data kick-off as the IG has it', () => {
  let medplum: SeededServer;
  let older: SeededServer;
  let folders: string;
  let n = 0;
  const folder = (): string => path.join(folders, `export-${++n}`);

  beforeAll(async () => {
    folders = await mkdtemp(path.join(tmpdir(), 'eligo-kick-off-'));
    medplum = await startSeededServer({ synthea: 0, bulkExport: { retryAfterSeconds: 1 }, middleware: [medplumLike] });
    older = await startSeededServer({ synthea: 0, bulkExport: { retryAfterSeconds: 1 }, middleware: [postOnly] });
  });
  afterAll(async () => {
    for (const s of [medplum, older]) await s.running.close();
    await rm(folders, { recursive: true, force: true });
  });

  it('reads Patient-level export from instantiates when the statement lists only Group/$export', async () => {
    const support = await createBulkClient({ baseUrl: medplum.base }).support();
    expect(support).toEqual({ patient: true, group: true, system: false, inferred: ['patient'] });
  });

  it('exports Patient level from such a server with a GET whose query carries the parameters', async () => {
    const { events, onEvent } = collect();
    const since = '2020-01-01T00:00:00Z';
    const result = await createBulkClient({ baseUrl: medplum.base, firstPollDelayMs: 0, onEvent }).export(
      { level: { kind: 'patient' }, types: ['Patient', 'Condition'], since },
      { outputDir: folder() },
    );
    expect(kickOffs(events)).toEqual([{ type: 'kick-off', method: 'GET', status: 202 }]);
    const kickOff = medplum.requests.find((r) => r.url.includes('/Patient/$export'));
    expect(kickOff?.method).toBe('GET');
    const query = new URL(kickOff?.url ?? '', 'http://x').searchParams;
    expect(query.get('_type')).toBe('Patient,Condition');
    expect(query.get('_since')).toBe(since);
    expect(query.get('_outputFormat')).toBe('application/fhir+ndjson');
    expect(result.files.find((f) => f.type === 'Patient')?.count).toBe(6);
  });

  it('sends POST only after a GET is refused with 405', async () => {
    const { events, onEvent } = collect();
    const result = await createBulkClient({ baseUrl: older.base, firstPollDelayMs: 0, onEvent }).export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir: folder() });
    expect(kickOffs(events)).toEqual([
      { type: 'kick-off', method: 'GET', status: 405 },
      { type: 'kick-off', method: 'POST', status: 202 },
    ]);
    expect(result.files.map((f) => [f.type, f.count])).toEqual([['Patient', 6]]);
  });

  it('narrows to patients only by POST, and fails rather than export everyone where POST is refused', async () => {
    const { events, onEvent } = collect();
    const narrowed = await createBulkClient({ baseUrl: older.base, firstPollDelayMs: 0, onEvent }).export(
      { level: { kind: 'patient' }, types: ['Patient'], patients: ['sle-eligible'] },
      { outputDir: folder() },
    );
    expect(kickOffs(events)).toEqual([{ type: 'kick-off', method: 'POST', status: 202 }]);
    expect(narrowed.files.map((f) => [f.type, f.count])).toEqual([['Patient', 1]]);

    const error: unknown = await createBulkClient({ baseUrl: medplum.base, firstPollDelayMs: 0 })
      .export({ level: { kind: 'patient' }, types: ['Patient'], patients: ['sle-eligible'] }, { outputDir: folder() })
      .catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_FHIR_REQUEST_FAILED')).toBe(true);
    expect((error as Error).message).toContain('does not take a POST kick-off, the only form that carries the patient parameter');
  });
});
