import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirServer, loadFhirFiles } from '../../src/server';
import { startServer } from './support';
import type { Json, TestServer } from './support';

const SYNTHEA = '/work/shared/fhir-samples/synthea-r4/Alberto_Atencio_fc712d1f-5a2e-4407-9c55-a2a2bad623c2.json';

function countByType(bundle: Bundle): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of bundle.entry ?? []) if (e.resource) counts[e.resource.resourceType] = (counts[e.resource.resourceType] ?? 0) + 1;
  return counts;
}

let t: TestServer;
let dir: string;
beforeAll(async () => {
  t = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'eligo-loader-'));
});
afterAll(async () => {
  await t.running.close();
  await rm(dir, { recursive: true, force: true });
});

describe('seeding the embedded server', () => {
  it('loads a Synthea transaction Bundle with every resource and its urn:uuid references rewritten', async () => {
    const bundle = JSON.parse(readFileSync(SYNTHEA, 'utf8')) as Bundle;
    const result = await t.server.load(bundle);
    expect(result.byType).toEqual(countByType(bundle));
    const patientUrn = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.fullUrl ?? '';
    const patientRef = result.references[patientUrn] ?? '';
    expect(patientRef).toMatch(/^Patient\//);
    const observations = await t.call('GET', `Observation?patient=${patientRef}&_count=1000`);
    expect(observations.body.total).toBe(countByType(bundle).Observation);
    expect(observations.body.entry.every((e: Json) => e.resource.subject.reference === patientRef)).toBe(true);
  });

  it('loads folders of Bundles and NDJSON, skips JSON that is not FHIR and reports missing paths', async () => {
    await writeFile(
      join(dir, 'a-transaction.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ fullUrl: 'urn:uuid:0b0f5a4e-1b1c-4c7e-9a61-5b2d8d1f0001', resource: { resourceType: 'Patient', id: 'nd-1' }, request: { method: 'PUT', url: 'Patient/nd-1' } }],
      }),
    );
    await writeFile(
      join(dir, 'b-observations.ndjson'),
      [
        JSON.stringify({ resourceType: 'Observation', id: 'nd-o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/nd-1' } }),
        '',
        JSON.stringify({ resourceType: 'Observation', id: 'nd-o2', status: 'final', code: { text: 'y' }, subject: { reference: 'Patient/nd-1' } }),
      ].join('\n'),
    );
    await writeFile(join(dir, 'c-report.json'), JSON.stringify({ trial: 'not FHIR' }));
    const server = createFhirServer();
    const summary = await loadFhirFiles(server, [dir, join(dir, 'no-such-folder')]);
    expect(summary.resources).toBe(3);
    expect(summary.byType).toEqual({ Patient: 1, Observation: 2 });
    expect(summary.skipped).toEqual([join(dir, 'c-report.json')]);
    expect(summary.missing).toEqual([join(dir, 'no-such-folder')]);
    const running = await server.listen(0);
    try {
      const res = await fetch(`${running.baseUrl}/Observation?patient=nd-1`);
      expect(((await res.json()) as Json).total).toBe(2);
    } finally {
      await running.close();
    }
  });

  it('names the file and line of unreadable JSON', async () => {
    const file = join(dir, 'broken.ndjson');
    await writeFile(file, '{"resourceType":"Patient","id":"ok"}\n{not json\n');
    const error: unknown = await loadFhirFiles(createFhirServer(), [file]).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_INPUT_UNREADABLE')).toBe(true);
    expect((error as Error).message).toContain(`${file}:2`);
  });

  it('keeps conditional-create semantics for seed Bundles that use them: loading twice creates nothing new', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0b0f5a4e-1b1c-4c7e-9a61-5b2d8d1f0002',
          resource: { resourceType: 'Organization', identifier: [{ system: 'urn:org', value: 'hosp' }], name: 'Hospital' },
          request: { method: 'POST', url: 'Organization', ifNoneExist: 'identifier=urn:org|hosp' },
        },
      ],
    };
    await t.server.load(structuredClone(bundle));
    await t.server.load(structuredClone(bundle));
    expect((await t.call('GET', 'Organization?identifier=urn:org|hosp')).body.total).toBe(1);
  });
});
