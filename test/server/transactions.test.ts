import { startServer } from './support';
import type { Json, TestServer } from './support';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.running.close());

const patientUrn = 'urn:uuid:6b1b7b0e-3f0e-4d55-9d3a-0a4c8c6f1a01';

describe('embedded FHIR server: transaction and batch Bundles', () => {
  it('rewrites urn:uuid references to the ids the server assigns', async () => {
    const { status, body } = await t.call('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrn, resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
        {
          fullUrl: 'urn:uuid:6b1b7b0e-3f0e-4d55-9d3a-0a4c8c6f1a02',
          resource: { resourceType: 'Condition', subject: { reference: patientUrn }, code: { text: 'lupus' } },
          request: { method: 'POST', url: 'Condition' },
        },
      ],
    });
    expect(status).toBe(200);
    expect(body.type).toBe('transaction-response');
    const patientLocation = body.entry[0].response.location as string;
    expect(patientLocation).toMatch(/^Patient\/[0-9a-f-]+\/_history\/1$/);
    const patientId = patientLocation.split('/')[1];
    const conditions = await t.call('GET', `Condition?patient=${patientId}`);
    expect(conditions.body.total).toBe(1);
    expect(conditions.body.entry[0].resource.subject.reference).toBe(`Patient/${patientId}`);
  });

  it('is all or nothing: a failing entry leaves none of the others written', async () => {
    await t.call('PUT', 'Patient/tx-existing', { resourceType: 'Patient', id: 'tx-existing' });
    const { status, body } = await t.call('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6b1b7b0e-3f0e-4d55-9d3a-0a4c8c6f1a03', resource: { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'a' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', id: 'tx-existing', active: true }, request: { method: 'PUT', url: 'Patient/tx-existing' } },
        { resource: { resourceType: 'Patient', id: 'tx-existing', gender: 'male' }, request: { method: 'PUT', url: 'Patient/tx-existing', ifMatch: 'W/"7"' } },
      ],
    });
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    expect((await t.call('GET', 'Patient?identifier=urn:tx|a')).body.total).toBe(0);
    const existing = await t.call('GET', 'Patient/tx-existing');
    expect(existing.body.meta.versionId).toBe('1');
    expect(existing.body.active).toBeUndefined();
  });

  it('answers 412 for a transaction whose If-Match is stale, writing nothing', async () => {
    await t.call('PUT', 'Patient/tx-version', { resourceType: 'Patient', id: 'tx-version' });
    const { status } = await t.call('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient', id: 'tx-version', active: true }, request: { method: 'PUT', url: 'Patient/tx-version', ifMatch: 'W/"9"' } }],
    });
    expect(status).toBe(412);
    expect((await t.call('GET', 'Patient/tx-version')).body.meta.versionId).toBe('1');
  });

  it('processes batch entries independently', async () => {
    const { body } = await t.call('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', id: 'batch-ok' }, request: { method: 'PUT', url: 'Patient/batch-ok' } },
        { resource: { resourceType: 'Patient', id: 'batch-bad', bogus: true }, request: { method: 'PUT', url: 'Patient/batch-bad' } },
      ],
    });
    expect(body.entry.map((e: Json) => e.response.status)).toEqual(['201', '400']);
    expect((await t.call('GET', 'Patient/batch-ok')).status).toBe(200);
  });

  it('refuses batch and transaction when they are switched off, and says so in the CapabilityStatement', async () => {
    const plain = await startServer({ batch: false, transaction: false });
    try {
      expect((await plain.call('GET', 'metadata')).body.rest[0].interaction).toEqual([]);
      const refused = await plain.call('POST', '', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient' } }] });
      expect(refused.status).toBe(400);
    } finally {
      await plain.running.close();
    }
  });
});
