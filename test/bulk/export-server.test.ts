import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { SCREENING_RESOURCE_TYPES } from '../../src/input/resource-types';
import { parseNdjson, startSeededServer } from './support';
import type { SeededServer } from './support';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and CapabilityStatements are read field by field off the wire */

const KICK_OFF = { prefer: 'respond-async', accept: 'application/fhir+json', 'content-type': 'application/fhir+json' };

function parameters(...parameter: Record<string, string>[]): string {
  return JSON.stringify({ resourceType: 'Parameters', parameter });
}

async function kickOff(base: string, path: string, body?: string, method = 'POST'): Promise<string> {
  const response = await fetch(`${base}/${path}`, { method, headers: KICK_OFF, ...(body === undefined ? {} : { body }) });
  expect(response.status).toBe(202);
  const location = response.headers.get('content-location');
  expect(location).toMatch(/\$export-status\//);
  return location as string;
}

/** Polls as the server asks (Retry-After) until the manifest arrives. */
async function manifestOf(statusUrl: string): Promise<any> {
  for (;;) {
    const response = await fetch(statusUrl);
    if (response.status === 200) return response.json();
    expect([202, 429]).toContain(response.status);
    await sleep(Number(response.headers.get('retry-after')) * 1000 + 50);
  }
}

async function download(manifest: any, type: string): Promise<Resource[]> {
  const files = (manifest.output as { type: string; url: string; count: number }[]).filter((f) => f.type === type);
  const resources: Resource[] = [];
  for (const file of files) {
    const response = await fetch(file.url, { headers: { accept: 'application/fhir+ndjson' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/fhir\+ndjson/);
    const lines = parseNdjson(await response.text()) as Resource[];
    expect(lines).toHaveLength(file.count);
    resources.push(...lines);
  }
  return resources;
}

async function searchAll<T extends Resource>(seeded: SeededServer, resourceType: T['resourceType'], query = ''): Promise<T[]> {
  const bundle = (await (await fetch(`${seeded.base}/${resourceType}?_count=1000${query}`)).json()) as any;
  return ((bundle.entry ?? []) as { resource: T }[]).map((e) => e.resource);
}

describe('Bulk Data $export on the embedded server', () => {
  let fast: SeededServer;
  let slow: SeededServer;
  let workDir: string;
  let patientIds: string[];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'eligo-export-test-'));
    fast = await startSeededServer({ synthea: 10, bulkExport: { retryAfterSeconds: 1 } });
    // A job that takes a while (pauses between patients), to watch it run, poll it too fast and cancel it.
    slow = await startSeededServer({ synthea: 10, bulkExport: { retryAfterSeconds: 1, minPollIntervalMs: 800, pauseMsPerPatient: 150, workDir } });
    patientIds = (await searchAll<Patient>(fast, 'Patient')).map((p) => p.id as string).sort();
  });
  afterAll(async () => {
    await fast.running.close();
    await slow.running.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('advertises Patient and Group export in the CapabilityStatement', async () => {
    const statement = (await (await fetch(`${fast.base}/metadata`)).json()) as any;
    expect(statement.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    const operation = (type: string): unknown => statement.rest[0].resource.find((r: any) => r.type === type).operation;
    expect(operation('Patient')).toEqual([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }]);
    expect(operation('Group')).toEqual([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }]);
  });

  it('exports every patient and every screening resource, one NDJSON file per type, with a complete manifest', async () => {
    const before = Date.now();
    const statusUrl = await kickOff(fast.base, 'Patient/$export', parameters({ name: '_outputFormat', valueString: 'application/fhir+ndjson' }));
    const manifest = await manifestOf(statusUrl);
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThanOrEqual(before - 1);
    expect(manifest.request).toBe(`${fast.base}/Patient/$export`);
    expect(manifest.requiresAccessToken).toBe(false);
    expect(manifest.error).toEqual([]);
    for (const file of manifest.output) expect(file.url).toMatch(new RegExp(`^${fast.base.replace(/[.$]/g, '\\$&')}/\\$export-file/`));
    const exported = (await download(manifest, 'Patient')).map((p) => p.id).sort();
    expect(exported).toEqual(patientIds);
    for (const type of SCREENING_RESOURCE_TYPES.filter((t) => t !== 'Patient' && t !== 'Medication')) {
      const files = manifest.output.filter((f: any) => f.type === type);
      const count = files.reduce((n: number, f: any) => n + f.count, 0);
      expect([type, count]).toEqual([type, fast.seeded.byType[type] ?? 0]);
    }
    const observations = (await download(manifest, 'Observation')) as Observation[];
    expect(new Set(observations.map((o) => o.id)).size).toBe(observations.length);
  });

  it('answers 202 with X-Progress and Retry-After while running, and 429 to a poll sooner than allowed', async () => {
    const statusUrl = await kickOff(slow.base, 'Patient/$export', parameters({ name: '_type', valueString: 'Patient' }));
    const first = await fetch(statusUrl);
    expect(first.status).toBe(202);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.headers.get('x-progress')).toMatch(/^(starting|\d+% \(\d+ of 16 patients\))$/);
    const tooSoon = await fetch(statusUrl);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.headers.get('retry-after')).toBe('1');
    expect(((await tooSoon.json()) as any).issue[0].code).toBe('throttled');
    const manifest = await manifestOf(statusUrl);
    const onSlow = (await searchAll<Patient>(slow, 'Patient')).map((p) => p.id as string).sort();
    expect((await download(manifest, 'Patient')).map((p) => p.id).sort()).toEqual(onSlow);
  });

  it('exports only the members of a Group, and only the types asked for', async () => {
    const members = patientIds.slice(0, 3);
    await fetch(`${fast.base}/Group/bulk-test`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Group',
        id: 'bulk-test',
        type: 'person',
        actual: true,
        member: [...members.map((id) => ({ entity: { reference: `Patient/${id}` } })), { entity: { reference: `Patient/${patientIds[3]}` }, inactive: true }],
      }),
    });
    const statusUrl = await kickOff(fast.base, 'Group/bulk-test/$export', parameters({ name: '_type', valueString: 'Patient,Condition' }));
    const manifest = await manifestOf(statusUrl);
    expect(new Set(manifest.output.map((f: any) => f.type))).toEqual(new Set(['Patient', 'Condition']));
    expect((await download(manifest, 'Patient')).map((p) => p.id).sort()).toEqual(members);
    const conditions = await download(manifest, 'Condition');
    const expected = (await Promise.all(members.map((id) => searchAll(fast, 'Condition', `&patient=${id}`)))).flat();
    expect(conditions.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());

    // The `patient` parameter narrows a Group export to some of its members; a non-member is reported, not exported.
    const narrowed = await manifestOf(
      await kickOff(
        fast.base,
        'Group/bulk-test/$export',
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: '_type', valueString: 'Patient' },
            { name: 'patient', valueReference: { reference: `Patient/${members[0]}` } },
            { name: 'patient', valueReference: { reference: `Patient/${patientIds[3]}` } },
          ],
        }),
      ),
    );
    expect((await download(narrowed, 'Patient')).map((p) => p.id)).toEqual([members[0]]);
    expect(narrowed.error).toEqual([expect.objectContaining({ type: 'OperationOutcome', count: 1 })]);
  });

  it('with _since, exports only what changed after it; the transactionTime is the next _since', async () => {
    const first = await manifestOf(await kickOff(fast.base, 'Patient/$export', parameters({ name: '_type', valueString: 'Patient,Observation,Condition' })));
    const [observation] = await searchAll<Observation>(fast, 'Observation', `&patient=${patientIds[0]}`);
    const changed = { ...observation, status: 'amended' } as Observation;
    expect((await fetch(`${fast.base}/Observation/${changed.id}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(changed) })).status).toBe(200);
    const since = await manifestOf(
      await kickOff(
        fast.base,
        'Patient/$export',
        parameters({ name: '_type', valueString: 'Patient,Observation,Condition' }, { name: '_since', valueInstant: first.transactionTime }),
      ),
    );
    expect(since.output.map((f: any) => [f.type, f.count])).toEqual([['Observation', 1]]);
    expect((await download(since, 'Observation')).map((o) => [o.id, (o as Observation).status])).toEqual([[changed.id, 'amended']]);
    expect(Date.parse(since.transactionTime)).toBeGreaterThan(Date.parse(first.transactionTime));
  });

  it('takes the kick-off by GET too, and narrows a type with _typeFilter through the server search', async () => {
    const [condition] = await searchAll(fast, 'Condition', `&patient=sle-eligible`);
    const coding = (condition as any).code.coding[0];
    const filter = `Condition?code=${encodeURIComponent(`${coding.system}|${coding.code}`)}`;
    const query = new URLSearchParams({ _type: 'Condition', _typeFilter: filter });
    const manifest = await manifestOf(await kickOff(fast.base, `Patient/$export?${query.toString()}`, undefined, 'GET'));
    const exported = await download(manifest, 'Condition');
    const searched = await searchAll(fast, 'Condition', `&code=${encodeURIComponent(`${coding.system}|${coding.code}`)}`);
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.map((c) => c.id).sort()).toEqual(searched.map((c) => c.id).sort());
    expect(manifest.request).toContain('_typeFilter=');
  });

  it('refuses kick-offs it cannot honour, saying why', async () => {
    const noPrefer = await fetch(`${fast.base}/Patient/$export`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: parameters() });
    expect(noPrefer.status).toBe(400);
    expect(JSON.stringify(await noPrefer.json())).toContain('respond-async');
    const cases: [Record<string, string>, string][] = [
      [{ name: '_type', valueString: 'Practitioner' }, 'Practitioner'],
      [{ name: '_elements', valueString: 'id' }, '_elements'],
      [{ name: '_since', valueInstant: 'yesterday' }, '_since'],
      [{ name: '_outputFormat', valueString: 'text/csv' }, 'text/csv'],
      [{ name: '_typeFilter', valueString: 'Observation?valueQuantity=5' }, 'valueQuantity'],
    ];
    for (const [parameter, named] of cases) {
      const response = await fetch(`${fast.base}/Patient/$export`, { method: 'POST', headers: KICK_OFF, body: parameters(parameter) });
      expect([parameter.name, response.status]).toEqual([parameter.name, 400]);
      expect(JSON.stringify(await response.json())).toContain(named);
    }
    expect((await fetch(`${fast.base}/Group/no-such-group/$export`, { method: 'POST', headers: KICK_OFF, body: parameters() })).status).toBe(404);
    expect((await fetch(`${fast.base}/$export-status/no-such-job`)).status).toBe(404);
  });

  it('cancels a running export on DELETE and deletes its files', async () => {
    const before = await readdir(workDir);
    const statusUrl = await kickOff(slow.base, 'Patient/$export', parameters({ name: '_type', valueString: 'Patient,Observation' }));
    const running = await fetch(statusUrl);
    expect(running.status).toBe(202);
    const cancelled = await fetch(statusUrl, { method: 'DELETE' });
    expect(cancelled.status).toBe(202);
    expect((await fetch(statusUrl)).status).toBe(404);
    expect(await readdir(workDir)).toEqual(before);
  });

  it('serves only the files of a completed job', async () => {
    const manifest = await manifestOf(await kickOff(fast.base, 'Patient/$export', parameters({ name: '_type', valueString: 'Patient' })));
    const url = new URL(manifest.output[0].url);
    const sibling = `${url.origin}${url.pathname.replace(/[^/]+$/, '')}`;
    expect((await fetch(`${sibling}..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${sibling}Observation.1.ndjson`)).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE' })).status).not.toBe(200);
  });
});
