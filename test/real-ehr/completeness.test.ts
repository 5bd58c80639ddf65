/**
 * Data completeness, strict reading, the patient and which result counts (issue 9 items 1-4,
 * CONVENTIONS.md "Real EHR data"), on the seed trials' eligible examples as a real reader gives
 * them: each shape asserts the criterion's status and that the explanation names the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { evaluate } from '../../src/engine/evaluate';
import { groupResourcesByPatient } from '../../src/input';
import { getTrial } from '../../src/mapping/compile';
import { normalise, normaliseOptionsOf } from '../../src/record/normalise';
import type { EligibilityReport } from '../../src/report/types';
import { catalog } from './helpers';

const AS_OF = '2026-06-15';
const LEUKAPHERESIS = '2026-07-01';

function example(name: string): Bundle {
  return JSON.parse(readFileSync(join(__dirname, '../../examples', `${name}.json`), 'utf8')) as Bundle;
}

function screen(trialId: string, bundle: Bundle): EligibilityReport {
  const { patients } = groupResourcesByPatient(structuredClone(bundle), { source: 'test' });
  const patient = patients[0];
  if (!patient) throw new Error('no patient in the bundle');
  const record = normalise(patient.resources, normaliseOptionsOf(patient));
  return evaluate(getTrial(catalog, trialId), record, { asOf: AS_OF, leukapheresisDate: LEUKAPHERESIS }, { version: 'test' });
}

function edit(bundle: Bundle, reference: string, change: (resource: Record<string, unknown>) => void): Bundle {
  const copy = structuredClone(bundle);
  const entry = copy.entry?.find((e) => `${e.resource?.resourceType}/${e.resource?.id}` === reference);
  if (!entry?.resource) throw new Error(`no ${reference}`);
  change(entry.resource as unknown as Record<string, unknown>);
  return copy;
}

function criterion(report: EligibilityReport, id: string) {
  const found = report.criteria.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

const sle = example('sle-eligible');
const ssc = example('ssc-eligible');
const sleId = sle.entry?.[0]?.resource?.id as string;

describe('the eligible examples as given', () => {
  it('are eligible for their trials (the baseline the shapes below break)', () => {
    expect(screen('sle-cart', sle).outcome).toBe('eligible');
    expect(screen('ssc-cart', ssc).outcome).toBe('eligible');
  });
});

describe('the patient', () => {
  it('makes a patient with deceasedDateTime on or before the as-of date ineligible, saying why', () => {
    const report = screen('sle-cart', edit(sle, `Patient/${sleId}`, (p) => (p.deceasedDateTime = '2026-05-01T10:00:00Z')));
    expect(report.outcome).toBe('ineligible');
    expect(report.outcomeReasons).toEqual(['the patient is recorded as deceased (2026-05-01)']);
  });

  it('makes a patient with deceasedBoolean true ineligible', () => {
    const report = screen('sle-cart', edit(sle, `Patient/${sleId}`, (p) => (p.deceasedBoolean = true)));
    expect(report.outcome).toBe('ineligible');
    expect(report.outcomeReasons?.[0]).toContain('deceased');
  });

  it('does not decide on a death date that cannot be read: demographics become unknown', () => {
    const report = screen('sle-cart', edit(sle, `Patient/${sleId}`, (p) => (p.deceasedDateTime = 'yesterday')));
    expect(report.outcome).toBe('potential-candidate');
    expect(criterion(report, 'sle.inc.age').status).toBe('unknown');
    expect(criterion(report, 'sle.inc.age').explanation).toContain('deceasedDateTime is not a valid FHIR dateTime');
  });

  it('leaves a patient linked to a record that was not read a potential candidate at best, naming the link', () => {
    const report = screen('sle-cart', edit(sle, `Patient/${sleId}`, (p) => (p.link = [{ other: { reference: 'Patient/older-mrn' }, type: 'seealso' }])));
    expect(report.outcome).toBe('potential-candidate');
    expect(report.outcomeReasons?.[0]).toContain('Patient/older-mrn (seealso), whose data was not read');
  });

  it('counts the linked record when its data is in the input', () => {
    const linked = edit(sle, `Patient/${sleId}`, (p) => (p.link = [{ other: { reference: 'Patient/older-mrn' }, type: 'replaces' }]));
    linked.entry?.push({ resource: { resourceType: 'Patient', id: 'older-mrn' } });
    linked.entry?.push({
      resource: {
        resourceType: 'Condition',
        id: 'old-cancer',
        subject: { reference: 'Patient/older-mrn' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C34.90', display: 'Malignant neoplasm of lung' }] },
        onsetDateTime: '2025-01-01',
      } as Resource,
    });
    const { patients } = groupResourcesByPatient(linked, { source: 'test' });
    const mine = patients.find((p) => p.patientId === sleId);
    const record = normalise([...(mine?.resources ?? []), ...(patients.find((p) => p.patientId === 'older-mrn')?.resources ?? [])], { patientId: sleId });
    const report = evaluate(getTrial(catalog, 'sle-cart'), record, { asOf: AS_OF }, { version: 'test' });
    expect(record.linksRead).toEqual(['Patient/older-mrn']);
    expect(criterion(report, 'sle.exc.malignancy').status).toBe('not_met');
  });

  it('makes two disagreeing Patient records of one id a conflict for the demographics (review)', () => {
    const twice = structuredClone(sle);
    twice.entry?.push({ resource: { ...(structuredClone(sle.entry?.[0]?.resource) as Resource), birthDate: '1950-01-01' } as Resource });
    const report = screen('sle-cart', twice);
    expect(criterion(report, 'sle.inc.age').status).toBe('review');
    expect(criterion(report, 'sle.inc.age').explanation).toContain('two Patient records');
  });
});

describe('data that could not be read is not absent data', () => {
  it('makes the rituximab washout unknown when the MedicationAdministration search was answered with an OperationOutcome', () => {
    const bundle = structuredClone(sle);
    bundle.entry = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'MedicationAdministration');
    bundle.entry.push({
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly', diagnostics: 'search not performed' }] },
      search: { mode: 'outcome' },
    });
    const report = screen('sle-cart', bundle);
    const washout = criterion(report, 'sle.exc.washout_1m');
    expect(washout.status).toBe('unknown');
    expect(washout.explanation).toContain('search not performed');
    expect(report.outcome).toBe('potential-candidate');
  });

  it('ignores an OperationOutcome that only informs', () => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] } });
    expect(screen('sle-cart', bundle).outcome).toBe('eligible');
  });

  it('does not clear a live-vaccine exclusion when an Immunization has no date', () => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({
      resource: { resourceType: 'Immunization', id: 'mmr', status: 'completed', patient: { reference: `Patient/${sleId}` }, vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03' }] } } as Resource,
    });
    const report = screen('sle-cart', bundle);
    const washout = criterion(report, 'sle.exc.washout_1m');
    expect(washout.status).toBe('unknown');
    expect(washout.explanation).toContain('Immunization/mmr could not be read: it has no occurrenceDateTime');
    expect(report.outcome).toBe('potential-candidate');
  });

  it('does not let a Condition whose onset is garbage be skipped so that "no malignancy" says met', () => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({
      resource: {
        resourceType: 'Condition',
        id: 'ca',
        subject: { reference: `Patient/${sleId}` },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C50.911', display: 'Malignant neoplasm of right female breast' }] },
        onsetDateTime: '2026-06-08garbage',
      } as Resource,
    });
    const r = criterion(screen('sle-cart', bundle), 'sle.exc.malignancy');
    expect(r.status).not.toBe('met');
    expect(r.explanation).toContain('onsetDateTime "2026-06-08garbage" is not a valid FHIR date');
  });

  it('sends a malignancy with an onset after the as-of date to a person instead of clearing it', () => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({
      resource: {
        resourceType: 'Condition',
        id: 'ca-future',
        subject: { reference: `Patient/${sleId}` },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C50.911' }] },
        onsetDateTime: '2027-01-01',
      } as Resource,
    });
    const r = criterion(screen('sle-cart', bundle), 'sle.exc.malignancy');
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('after the as-of date');
  });

  it('reads status codes case-sensitively: "Final" is unreadable, not absent', () => {
    const hemoglobin = (sle.entry ?? []).find((e) => e.resource?.resourceType === 'Observation' && JSON.stringify(e.resource).includes('718-7'))?.resource;
    const report = screen('sle-cart', edit(sle, `Observation/${hemoglobin?.id ?? ''}`, (o) => (o.status = 'Final')));
    const r = criterion(report, 'sle.inc.hemoglobin');
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('status "Final" is not a FHIR Observation status code');
  });
});

describe('which result counts', () => {
  const hemoglobin = (sle.entry ?? []).find((e) => e.resource?.resourceType === 'Observation' && JSON.stringify(e.resource).includes('718-7'))?.resource as unknown as Record<string, unknown>;
  const withHemoglobin = (...extra: Record<string, unknown>[]): Bundle => {
    const bundle = structuredClone(sle);
    for (const o of extra) bundle.entry?.push({ resource: o as unknown as Resource });
    return bundle;
  };

  it('does not let an older readable hemoglobin stand in for a newer unreadable one', () => {
    const newer = { ...structuredClone(hemoglobin), id: 'hb-newer', effectiveDateTime: '2026-06-14', valueQuantity: { value: 'twelve', unit: 'g/dL' } };
    const r = criterion(screen('sle-cart', withHemoglobin(newer)), 'sle.inc.hemoglobin');
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('the latest result, on 2026-06-14, cannot be used');
  });

  it('takes the same-day redraw at 14:30 over the 06:10 result, whatever the order of the file', () => {
    const early = { ...structuredClone(hemoglobin), id: 'hb-0610', effectiveDateTime: '2026-06-14T06:10:00-05:00', valueQuantity: { value: 5, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' } };
    const late = { ...structuredClone(hemoglobin), id: 'hb-1430', effectiveDateTime: '2026-06-14T14:30:00-05:00', valueQuantity: { value: 12, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' } };
    for (const bundle of [withHemoglobin(early, late), withHemoglobin(late, early)]) {
      const r = criterion(screen('sle-cart', bundle), 'sle.inc.hemoglobin');
      expect(r.status).toBe('met');
      expect(r.evidence[0]?.reference).toBe('Observation/hb-1430');
    }
  });

  it('lets a corrected result sent as a second resource replace the final one for the same moment', () => {
    const first = { ...structuredClone(hemoglobin), id: 'hb-final', effectiveDateTime: '2026-06-14T08:00:00Z', valueQuantity: { value: 5, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' } };
    const corrected = { ...first, id: 'hb-corrected', status: 'corrected', valueQuantity: { value: 12, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' } };
    for (const bundle of [withHemoglobin(first, corrected), withHemoglobin(corrected, first)]) {
      const r = criterion(screen('sle-cart', bundle), 'sle.inc.hemoglobin');
      expect(r.status).toBe('met');
      expect(r.evidence[0]?.reference).toBe('Observation/hb-corrected');
    }
  });

  it('makes the same id twice with different content a conflict (review), not first-in-file wins', () => {
    const again = { ...structuredClone(hemoglobin), valueQuantity: { value: 5, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' } };
    const r = criterion(screen('sle-cart', withHemoglobin(again)), 'sle.inc.hemoglobin');
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('appears twice with different content');
  });

  it('drops an identical copy of a resource without complaint', () => {
    expect(screen('sle-cart', withHemoglobin(structuredClone(hemoglobin))).outcome).toBe('eligible');
  });
});

describe('like for like', () => {
  it('does not mix pre- and post-bronchodilator FVC into one trend', () => {
    const subject = { reference: 'Patient/p1' };
    const fvc = (id: string, code: string, date: string, value: number) => ({
      resourceType: 'Observation', id, status: 'final', subject, effectiveDateTime: date,
      code: { coding: [{ system: 'http://loinc.org', code }] }, valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    const record = normalise([
      { resourceType: 'Patient', id: 'p1' },
      fvc('pre', '19871-3', '2026-01-10', 80),
      fvc('post', '19873-9', '2026-06-01', 69.6),
    ] as unknown as Resource[]);
    const report = evaluate(getTrial(catalog, 'ssc-cart'), record, { asOf: AS_OF }, { version: 'test' });
    const progression = report.criteria.find((c) => c.evidence.some((e) => e.reference === 'Observation/post'));
    expect(progression?.status).not.toBe('met');
    expect(report.criteria.some((c) => c.explanation.includes('post-bronchodilator'))).toBe(true);
  });
});

describe('acute conditions never closed', () => {
  const pregnancy = (onset: string): Bundle => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({
      resource: {
        resourceType: 'Condition',
        id: 'preg',
        subject: { reference: `Patient/${sleId}` },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '72892002', display: 'Normal pregnancy' }] },
        onsetDateTime: onset,
      } as Resource,
    });
    return bundle;
  };

  it('counts a pregnancy with no abatement as current within its horizon', () => {
    expect(criterion(screen('sle-cart', pregnancy('2026-04-01')), 'sle.exc.pregnancy').status).toBe('not_met');
  });

  it('sends a pregnancy recorded two years ago and never closed to a person, not to "pregnant now"', () => {
    const r = criterion(screen('sle-cart', pregnancy('2024-03-01')), 'sle.exc.pregnancy');
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('never closed, past 10 months');
    expect(r.explanation).toContain('confirm it has resolved');
  });
});

describe('a score read from a recorded total', () => {
  it('does not decide the SLEDAI-2K criterion while a recorded total is there but unreadable', () => {
    const bundle = structuredClone(sle);
    bundle.entry?.push({
      resource: {
        resourceType: 'Observation',
        id: 'sledai-total',
        status: 'final',
        subject: { reference: `Patient/${sleId}` },
        code: { coding: [{ system: 'http://eligo.example.org/fhir/CodeSystem/local', code: 'sledai-2k', display: 'SLEDAI-2K total score' }] },
        effectiveDateTime: '2026-06-1O',
        valueInteger: 6,
      } as Resource,
    });
    const r = criterion(screen('sle-cart', bundle), 'sle.inc.sledai');
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('Observation/sledai-total could not be read');
  });
});
