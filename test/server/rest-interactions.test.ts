import { validateResource } from '@medplum/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { startServer } from './support';
import type { Json, TestServer } from './support';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.running.close());

describe('embedded FHIR server: REST interactions', () => {
  it('serves a CapabilityStatement that is valid R4 and offers batch and transaction', async () => {
    const res = await t.call('GET', 'metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const statement = res.body as CapabilityStatement;
    expect(validateResource(statement)).toEqual([]);
    expect(statement.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['batch', 'transaction']);
    const researchSubject = statement.rest?.[0]?.resource?.find((r) => r.type === 'ResearchSubject');
    expect(researchSubject?.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['individual', 'patient', 'identifier']));
    expect(statement.rest?.[0]?.resource?.find((r) => r.type === 'DocumentReference')?.searchRevInclude).toContain('Provenance:target');
  });

  it('creates with a server id, reads, updates with a new version and reads the old version', async () => {
    const created = await t.call('POST', 'Patient', { resourceType: 'Patient', id: 'ignored', gender: 'female' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).not.toBe('ignored');
    expect(created.headers.get('location')).toBe(`${t.base}/Patient/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');

    const updated = await t.call('PUT', `Patient/${id}`, { resourceType: 'Patient', id, gender: 'male' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');

    expect((await t.call('GET', `Patient/${id}`)).body.gender).toBe('male');
    expect((await t.call('GET', `Patient/${id}/_history/1`)).body.gender).toBe('female');
    const history = await t.call('GET', `Patient/${id}/_history`);
    expect(history.body.entry.map((e: Json) => e.resource.meta.versionId)).toEqual(['2', '1']);
  });

  it('checks If-Match, quoted or not, and answers 412 with an OperationOutcome on a stale version', async () => {
    const { body } = await t.call('PUT', 'Patient/if-match-1', { resourceType: 'Patient', id: 'if-match-1' });
    expect(body.meta.versionId).toBe('1');
    const ok = await t.call('PUT', 'Patient/if-match-1', { resourceType: 'Patient', id: 'if-match-1', active: true }, { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    const stale = await t.call('PUT', 'Patient/if-match-1', { resourceType: 'Patient', id: 'if-match-1', active: false }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect((await t.call('GET', 'Patient/if-match-1')).body.active).toBe(true);
  });

  it('conditional create returns the existing resource instead of a second one', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'cc-1' }] };
    const first = await t.call('POST', 'Patient', body, { 'if-none-exist': 'identifier=urn:test:mrn|cc-1' });
    const second = await t.call('POST', 'Patient', body, { 'if-none-exist': 'identifier=urn:test:mrn|cc-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect((await t.call('GET', 'Patient?identifier=urn:test:mrn|cc-1')).body.total).toBe(1);
  });

  it('conditional update creates on no match, updates on one match, and honours If-Match', async () => {
    const url = 'Patient?identifier=urn:test:mrn|cu-1';
    const created = await t.call('PUT', url, { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'cu-1' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const updated = await t.call('PUT', url, { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'cu-1' }], active: true });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(id);
    const stale = await t.call('PUT', url, { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'cu-1' }] }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    const fresh = await t.call('PUT', url, { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'cu-1' }], active: false }, { 'if-match': 'W/"2"' });
    expect(fresh.status).toBe(200);
    expect(fresh.body.meta.versionId).toBe('3');
  });

  it('deletes: a deleted resource reads as 410 Gone and drops out of searches', async () => {
    await t.call('PUT', 'Patient/del-1', { resourceType: 'Patient', id: 'del-1', gender: 'other' });
    expect((await t.call('DELETE', 'Patient/del-1')).status).toBe(200);
    expect((await t.call('GET', 'Patient/del-1')).status).toBe(410);
    expect((await t.call('GET', 'Patient?_id=del-1')).body.total).toBe(0);
  });

  it('answers errors as OperationOutcome with the right status', async () => {
    const missing = await t.call('GET', 'Patient/nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect((await t.call('GET', 'NotAType/1')).status).toBe(404);
    const invalid = await t.call('POST', 'Observation', { resourceType: 'Observation', status: 'final', bogus: 1 });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain('bogus');
    const badJson = await t.call('POST', 'Patient', '{not json');
    expect(badJson.status).toBe(400);
    expect(badJson.body.resourceType).toBe('OperationOutcome');
    const wrongType = await t.call('POST', 'Patient', 'x', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);
    expect((await t.call('GET', 'Patient', undefined, { accept: 'application/fhir+xml' })).status).toBe(400);
  });
});
