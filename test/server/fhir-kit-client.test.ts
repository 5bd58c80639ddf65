import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './support';
import type { Json, TestServer } from './support';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, 'clients', 'fhir-kit-client-check.mjs');

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.running.close());

describe('embedded FHIR server under an independent client (fhir-kit-client)', () => {
  it('serves create, read, update, transaction and the searches outside clients send', async () => {
    // A separate node process: fhir-kit-client is ESM-only and jest runs CommonJS (see the script).
    const { stdout } = await run(process.execPath, [SCRIPT, t.base], { timeout: 20_000 });
    const seen: Json = JSON.parse(stdout);
    expect(seen.capability).toEqual({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    expect(seen.created.versionId).toBe('1');
    expect(seen.read.family).toBe('Kit');
    expect(seen.updated).toEqual({ gender: 'other', versionId: '2' });
    expect(seen.transaction).toEqual({ type: 'transaction-response', statuses: ['201', '201', '201'] });
    expect(seen.byDate).toEqual({ total: 3, dates: ['2024-03-05', '2024-02-05'], hasNext: true });
    expect(seen.nextDates).toEqual(['2024-01-05']);
    expect(seen.summary.notes).toEqual([null, null, null]);
    expect(seen.summary.tags).toEqual(['SUBSETTED', 'SUBSETTED', 'SUBSETTED']);
    expect(seen.elements.keys).toEqual(Array.from({ length: 3 }, () => ['code', 'id', 'meta', 'resourceType', 'status']));
    expect(seen.count).toEqual({ total: 3, entries: 0 });
    expect(seen.refused.status).toBe(400);
    expect(seen.refused.outcome.issue[0].expression).toEqual(['_sort']);
    // The client's writes are on the server, read back over plain HTTP.
    expect((await t.call('GET', `Patient/${String(seen.created.id)}`)).body.gender).toBe('other');
  });
});
