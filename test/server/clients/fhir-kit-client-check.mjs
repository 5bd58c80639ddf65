// Drives the embedded server with fhir-kit-client, an independent FHIR client, and prints what
// it saw as one JSON object. It runs as its own ES module process because fhir-kit-client 2.x is
// ESM-only and jest runs the tests as CommonJS (a dynamic import() there needs
// --experimental-vm-modules). The jest test (../fhir-kit-client.test.ts) makes the assertions.
import { Client } from 'fhir-kit-client';

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error('usage: node fhir-kit-client-check.mjs <FHIR base URL>');
const client = new Client({ baseUrl });
const ids = (bundle) => (bundle.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`);

const capability = await client.capabilityStatement();
const patient = await client.create({
  resourceType: 'Patient',
  body: { resourceType: 'Patient', name: [{ family: 'Kit', given: ['Fhir'] }], gender: 'female', birthDate: '1990-05-06' },
});
const read = await client.read({ resourceType: 'Patient', id: patient.id });
const updated = await client.update({ resourceType: 'Patient', id: patient.id, body: { ...read, gender: 'other' } });
const transaction = await client.transaction({
  body: {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: ['2024-01-05', '2024-03-05', '2024-02-05'].map((date, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
        subject: { reference: `Patient/${patient.id}` },
        effectiveDateTime: date,
        note: [{ text: `note ${i}` }],
      },
      request: { method: 'POST', url: 'Observation' },
    })),
  },
});

const byDate = await client.search({ resourceType: 'Observation', searchParams: { patient: patient.id, _sort: '-date', _count: 2 } });
const next = await client.nextPage({ bundle: byDate });
const summary = await client.search({ resourceType: 'Observation', searchParams: { patient: patient.id, _summary: 'true' } });
const elements = await client.search({ resourceType: 'Observation', searchParams: { patient: patient.id, _elements: 'id,code' } });
const count = await client.search({ resourceType: 'Observation', searchParams: { patient: patient.id, _summary: 'count' } });
let refused;
try {
  await client.search({ resourceType: 'Observation', searchParams: { _sort: 'value-quantity' } });
} catch (error) {
  refused = { status: error.response?.status, outcome: error.response?.data };
}

process.stdout.write(
  JSON.stringify({
    capability: { resourceType: capability.resourceType, fhirVersion: capability.fhirVersion },
    created: { id: patient.id, versionId: patient.meta?.versionId },
    read: { family: read.name?.[0]?.family },
    updated: { gender: updated.gender, versionId: updated.meta?.versionId },
    transaction: { type: transaction.type, statuses: transaction.entry.map((e) => e.response.status) },
    byDate: { total: byDate.total, dates: byDate.entry.map((e) => e.resource.effectiveDateTime), hasNext: next !== undefined },
    nextDates: next ? (await next).entry.map((e) => e.resource.effectiveDateTime) : [],
    summary: { ids: ids(summary), notes: summary.entry.map((e) => e.resource.note ?? null), tags: summary.entry.map((e) => e.resource.meta?.tag?.[0]?.code) },
    elements: { keys: elements.entry.map((e) => Object.keys(e.resource).sort()) },
    count: { total: count.total, entries: count.entry?.length ?? 0 },
    refused,
  }),
);
