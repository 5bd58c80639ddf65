/**
 * A server's partial answers are not complete data (issue 9 item 1): over real HTTP, a FHIR
 * server that does not offer MedicationAdministration search and answers the Observation
 * search with an OperationOutcome beside its entries. The eligible SLE example screened from it
 * must not be `eligible`, and the criteria that depend on the missing data say why.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { createFhirSource } from '../../src/fhir';
import { screeningTypesFor } from '../../src/input';
import { loadCatalog, getTrial } from '../../src/mapping/compile';
import { screenPatient } from '../../src/usecases/screen-patient';

const example = JSON.parse(readFileSync(join(__dirname, '../../examples/sle-eligible.json'), 'utf8')) as Bundle;
const resources = (example.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
const patient = resources.find((r) => r.resourceType === 'Patient') as Resource;
const OFFERED = ['Patient', 'Observation', 'Condition', 'MedicationStatement', 'MedicationRequest', 'Medication', 'Immunization', 'Procedure', 'DiagnosticReport', 'AllergyIntolerance', 'ResearchSubject'];

describe('screening from a server that answers only in part', () => {
  let server: Server;
  let base: string;
  const searched: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.get('/fhir/metadata', (_req, res) => {
      res.json({
        resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'],
        rest: [{ mode: 'server', resource: OFFERED.map((type) => ({ type, interaction: [{ code: 'read' }, { code: 'search-type' }] })) }],
      });
    });
    app.get('/fhir/Patient/:id', (req, res) => {
      if (req.params.id === patient.id) res.json(patient);
      else res.status(404).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    });
    app.get('/fhir/:type', (req, res) => {
      const type = req.params.type;
      searched.push(type);
      const entry: Bundle['entry'] = resources.filter((r) => r.resourceType === type).map((resource) => ({ resource, search: { mode: 'match' } }));
      if (type === 'Observation') {
        entry.push({ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'too-costly', details: { text: 'search not performed for older results' } }] }, search: { mode: 'outcome' } });
      }
      res.json({ resourceType: 'Bundle', type: 'searchset', entry });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('records what was not read, per data kind, and never searches a type the server does not offer', async () => {
    const source = createFhirSource({ baseUrl: base });
    // What sle-cart reads: no stays, family history or plans.
    const fetched = await source.fetchPatientResources(patient.id as string, { types: screeningTypesFor([getTrial(loadCatalog(), 'sle-cart')]) });
    expect(searched).not.toContain('MedicationAdministration');
    expect(fetched.gaps?.map((g) => g.kind).sort()).toEqual(['MedicationAdministration', 'Observation']);
    expect(fetched.gaps?.find((g) => g.kind === 'Observation')?.reason).toContain('search not performed for older results');
  });

  it('names the rule-read types the server does not offer only when a screening reads them', async () => {
    const source = createFhirSource({ baseUrl: base });
    const everything = await source.fetchPatientResources(patient.id as string);
    expect(everything.gaps?.map((g) => g.kind).sort()).toEqual(['Encounter', 'FamilyMemberHistory', 'MedicationAdministration', 'Observation', 'ServiceRequest']);
    const forDapaHf = await source.fetchPatientResources(patient.id as string, { types: screeningTypesFor([getTrial(loadCatalog(), 'dapa-hf')]) });
    expect(forDapaHf.gaps?.map((g) => g.kind).sort()).toEqual(['Encounter', 'MedicationAdministration', 'Observation', 'ServiceRequest']);
  });

  it('does not screen the patient eligible on data it could not read', async () => {
    const source = createFhirSource({ baseUrl: base });
    const trial = getTrial(loadCatalog(), 'sle-cart');
    const { report } = await screenPatient({ source: { label: base, fetchPatientResources: (id) => source.fetchPatientResources(id) } }, trial, patient.id as string, { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' });
    expect(report.outcome).toBe('potential-candidate');
    const washout = report.criteria.find((c) => c.id === 'sle.exc.washout_1m');
    expect(washout?.status).toBe('unknown');
    expect(washout?.explanation).toContain('the server does not offer MedicationAdministration search');
    const hemoglobin = report.criteria.find((c) => c.id === 'sle.inc.hemoglobin');
    expect(hemoglobin?.status).toBe('unknown');
    expect(hemoglobin?.explanation).toContain('search not performed for older results');
  });
});
