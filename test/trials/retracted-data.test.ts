import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { groupResourcesByPatient } from '../../src/input';
import { getTrial } from '../../src/mapping/compile';
import { screenResources } from '../../src/usecases/screen';
import { catalog, EXAMPLES } from './screen-helpers';

function exampleWith(name: string, extra: Resource[]): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Bundle;
  bundle.entry = [...(bundle.entry ?? []), ...extra.map((resource) => ({ resource }))];
  const { patients } = groupResourcesByPatient(bundle);
  return patients[0]?.resources ?? [];
}

const sle = getTrial(catalog, 'sle-cart');
const options = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };
const statusOf = (resources: Resource[], id: string) => screenResources(sle, resources, options).criteria.find((c) => c.id === id);

const hemoglobin = (id: string, value: number, status: string, date: string): Resource =>
  ({
    resourceType: 'Observation',
    id,
    status,
    code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
    subject: { reference: 'Patient/sle-eligible' },
    effectiveDateTime: date,
    valueQuantity: { value, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
  }) as Resource;

describe('data that must not count', () => {
  it('ignores a newer preliminary result and uses the last final one', () => {
    const resources = exampleWith('sle-eligible', [hemoglobin('hb-prelim', 6.5, 'preliminary', '2026-06-14')]);
    const result = statusOf(resources, 'sle.inc.hemoglobin');
    expect(result?.status).toBe('met');
    expect(result?.evidence[0]?.reference).not.toBe('Observation/hb-prelim');
  });

  it('counts a newer amended result', () => {
    const resources = exampleWith('sle-eligible', [hemoglobin('hb-amended', 6.5, 'amended', '2026-06-14')]);
    expect(statusOf(resources, 'sle.inc.hemoglobin')?.status).toBe('not_met');
  });

  it('ignores a result entered in error', () => {
    const resources = exampleWith('sle-eligible', [hemoglobin('hb-error', 6.5, 'entered-in-error', '2026-06-14')]);
    expect(statusOf(resources, 'sle.inc.hemoglobin')?.status).toBe('met');
  });

  it('does not exclude on a malignancy that was refuted or entered in error', () => {
    const cancer = (id: string, verification: string): Resource =>
      ({
        resourceType: 'Condition',
        id,
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }] },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C50.911' }] },
        subject: { reference: 'Patient/sle-eligible' },
        onsetDateTime: '2025-01-01',
      }) as Resource;
    expect(statusOf(exampleWith('sle-eligible', [cancer('c-refuted', 'refuted'), cancer('c-error', 'entered-in-error')]), 'sle.exc.malignancy')?.status).toBe('met');
    expect(statusOf(exampleWith('sle-eligible', [cancer('c-confirmed', 'confirmed')]), 'sle.exc.malignancy')?.status).toBe('not_met');
  });

  it('does not count a cancelled rituximab order as exposure', () => {
    const order = (status: string): Resource =>
      ({
        resourceType: 'MedicationRequest',
        id: `rtx-${status}`,
        status,
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '121191' }] },
        subject: { reference: 'Patient/sle-eligible' },
        authoredOn: '2026-06-20',
      }) as Resource;
    const asOfLater = { asOf: '2026-06-25', leukapheresisDate: '2026-07-01' };
    const washout = (resources: Resource[]) => screenResources(sle, resources, asOfLater).criteria.find((c) => c.id === 'sle.exc.washout_1m');
    expect(washout(exampleWith('sle-eligible', [order('cancelled')]))?.status).toBe('met');
    // A request with no validity period or supply duration covers authoredOn + 30 days (2026-07-20).
    expect(washout(exampleWith('sle-eligible', [order('active')]))).toMatchObject({ status: 'not_met', resolvesOn: '2026-08-21' });
  });
});
