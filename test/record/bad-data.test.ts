import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupResourcesByPatient } from '../../src/input';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { normalise } from '../../src/record/normalise';
import { observation, recordOf } from './helpers';

describe('normalise on resources with missing fields or wrong types', () => {
  const bundle = JSON.parse(readFileSync(join(__dirname, '../fixtures/record/wrong-types.bundle.json'), 'utf8')) as Bundle;
  const { patients, errors } = groupResourcesByPatient(bundle, { source: 'wrong-types.bundle.json' });

  it('reports the entries the reader cannot place, naming them', () => {
    expect(errors).toEqual([
      { file: 'wrong-types.bundle.json', location: 'entry[13]', message: 'entry.resource has no resourceType' },
      { file: 'wrong-types.bundle.json', location: 'resource[13]', message: expect.stringContaining('no subject, patient or individual') },
    ]);
  });

  it('never throws, and names each resource it could not use and why', () => {
    expect(patients).toHaveLength(1);
    const record = normalise(patients[0]?.resources ?? []);
    expect(record.patientId).toBe('odd');
    expect(record.birthDate).toBeUndefined();
    expect(record.gender).toBeUndefined();
    const warned = record.warnings.map((w) => w.where);
    expect(warned).toEqual(
      expect.arrayContaining([
        'Patient/odd',
        'Observation/code-is-string',
        'Observation/value-is-string',
        'Condition/no-code',
        'MedicationRequest/no-medication',
        'MedicationRequest/bad-dates',
        'Immunization/no-vaccine',
        'ResearchSubject/no-status',
      ]),
    );
    for (const warning of record.warnings) expect(warning.message.length).toBeGreaterThan(5);
    expect(record.ignored).toEqual([]);
  });

  it('keeps an unreadable resource as a gap in the record (CONVENTIONS.md "Real EHR data"), and the odd parts of a readable one out', () => {
    const record = normalise(patients[0]?.resources ?? []);
    const valueIsString = record.observations.find((o) => o.reference === 'Observation/value-is-string');
    expect(valueIsString).toMatchObject({ status: 'final', valueProblem: 'valueQuantity has no numeric value' });
    expect(valueIsString?.value).toBeUndefined();
    const gaps = Object.fromEntries(record.gaps.map((g) => [g.where, g.reason]));
    expect(gaps).toMatchObject({
      'Observation/code-is-string': expect.stringContaining('code is not a CodeableConcept'),
      'Observation/status-is-number': expect.stringContaining('status "5" is not a FHIR Observation status code'),
      'Observation/components-not-list': expect.stringContaining('code is not a CodeableConcept'),
      'Condition/no-code': expect.stringContaining('it has no code'),
      'MedicationRequest/no-medication': expect.stringContaining('no medicationCodeableConcept or medicationReference'),
      'MedicationRequest/bad-dates': expect.stringContaining('authoredOn "[object Object]" is not a valid FHIR date'),
      'Immunization/no-vaccine': expect.stringContaining('no vaccineCode'),
      'Procedure/performed-odd': expect.stringContaining('performedPeriod is not a Period'),
      'ResearchSubject/no-status': expect.stringContaining('no status'),
      'Patient/odd': expect.stringContaining('birthDate is not a valid FHIR date'),
    });
    expect(record.observations.find((o) => o.reference === 'Observation/components-not-list')).toBeUndefined();
    expect(record.allergies).toMatchObject([{ reference: 'AllergyIntolerance/reactions-odd', category: [], reactions: [{ manifestations: [] }] }]);
    expect(record.reports).toMatchObject([{ reference: 'DiagnosticReport/report-odd', conclusionCodes: [], result: [] }]);
  });

  it('skips values that are not objects at all', () => {
    const record = normalise([null, 42, 'text', { id: 'no-type' }] as unknown as Resource[]);
    expect(record.warnings.map((w) => w.where)).toEqual(['Patient', 'resource[0]', 'resource[1]', 'resource[2]', 'resource[3]']);
  });

  it('leaves out a resource that belongs to another patient', () => {
    const record = recordOf(observation('theirs', { subject: { reference: 'Patient/someone-else' }, valueQuantity: { value: 1 } }));
    expect(record.observations).toEqual([]);
    expect(record.warnings).toEqual([{ where: 'Observation/theirs', message: expect.stringContaining('Patient/someone-else') }]);
  });

  it('warns about a resource without id and cites it by position', () => {
    const record = recordOf(observation('x', { id: undefined, valueQuantity: { value: 1 } }));
    expect(record.observations[0]?.reference).toBe('Observation/(no id, resource[1])');
    expect(record.warnings).toMatchObject([{ where: 'Observation/(no id, resource[1])' }]);
  });

  it('does not use an unknown quantity comparator', () => {
    const record = recordOf(observation('cmp', { valueQuantity: { value: 5, comparator: '~' } }));
    expect(record.observations[0]?.value).toBeUndefined();
    expect(record.warnings).toEqual([{ where: 'Observation/cmp', message: expect.stringContaining('comparator') }]);
  });

  it('reads a deceasedDateTime as deceased with its date', () => {
    const record = normalise([{ resourceType: 'Patient', id: 'gone', deceasedDateTime: '2020-02-02' }] as unknown as Resource[]);
    expect(record).toMatchObject({ patientId: 'gone', deceased: true, deceasedDate: '2020-02-02' });
  });
});
