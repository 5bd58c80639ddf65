/**
 * Codes as EHRs send them (issue 9 item 6, CONVENTIONS "Codes the mapping does not list",
 * "Allergies"): one small fixture per data shape, judged by the seed trials' real criteria.
 */
import { PATIENT_ID, SNOMED, criterionFhir, judgeFhir } from './helpers';

const subject = { reference: `Patient/${PATIENT_ID}` };
const ACTIVE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function conditionOf(id: string, code: Record<string, unknown>): Record<string, unknown> {
  return { resourceType: 'Condition', id, clinicalStatus: ACTIVE, code, subject, onsetDateTime: '2019-03-01' };
}

describe('conditions coded with codes the mapping does not list', () => {
  it('does not clear a prior lung cancer coded only with an unlisted SNOMED CT code: its name asks for review', () => {
    // 93880001 "Primary malignant neoplasm of lung" is a real SNOMED CT code the value set does not list.
    const r = criterionFhir('ssc-cart', 'ssc.exc.malignancy', [
      conditionOf('ca-1', { coding: [{ system: SNOMED, code: '93880001', display: 'Primary malignant neoplasm of lung (disorder)' }], text: 'Primary malignant neoplasm of lung' }),
    ]);
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('recorded only by name');
    expect(r.evidence[0]?.note).toContain('matched by display text');
  });

  it('rules out a malignancy coded with a common SNOMED CT descendant now listed (363358000 lung)', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.malignancy', [conditionOf('ca-2', { coding: [{ system: SNOMED, code: '363358000', display: 'Malignant tumor of lung' }] })]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('Malignant tumor of lung');
  });

  it('decides by a name the mapping marks decisive (diffuse cutaneous SSc has no ICD-10-CM code)', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.diagnosis', [
      conditionOf('ssc-1', { coding: [{ system: SNOMED, code: '1000000000', display: 'Diffuse cutaneous systemic sclerosis' }] }),
    ]);
    expect(r.status).toBe('met');
    expect(r.evidence[0]?.note).toContain('matched by display text');
  });

  it('compares codes case-sensitively apart from the ICD-10-CM dot: "c34.90" is not C34.90, so only its name counts', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.malignancy', [
      conditionOf('ca-3', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'c34.90', display: 'Malignant neoplasm of unspecified part of unspecified bronchus or lung' }] }),
    ]);
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('recorded only by name');
  });
});

describe('written forms of the same code', () => {
  it('finds a live vaccine sent as CVX "3" (MMR), which the mapping lists as "03"', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.live_vaccine', [
      {
        resourceType: 'Immunization',
        id: 'imm-1',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '3', display: 'measles, mumps and rubella virus vaccine' }] },
        patient: subject,
        occurrenceDateTime: '2026-06-01',
      },
    ]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('measles, mumps and rubella');
  });

  it('reads ICD-10-CM without its dot (C3490 is C34.90)', () => {
    const r = judgeFhir({ kind: 'condition', valueSets: ['malignancy'] }, [conditionOf('ca-4', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C3490' }] })]);
    expect(r.status).toBe('met');
  });
});

describe('allergies by their code whatever their category', () => {
  const anaphylaxis = [{ manifestation: [{ coding: [{ system: SNOMED, code: '39579001', display: 'Anaphylaxis' }] }], severity: 'severe' }];

  it('counts a penicillin anaphylaxis coded in RxNorm with no category', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.drug_allergy', [
      {
        resourceType: 'AllergyIntolerance',
        id: 'al-1',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        code: { coding: [{ system: RXNORM, code: '7980', display: 'Penicillin G' }] },
        patient: subject,
        reaction: anaphylaxis,
      },
    ]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('Penicillin G');
  });

  it('counts a penicillin allergy coded as the SNOMED CT substance with no category', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.drug_allergy', [
      { resourceType: 'AllergyIntolerance', id: 'al-2', code: { coding: [{ system: SNOMED, code: '764146007', display: 'Penicillin' }] }, patient: subject, criticality: 'high' },
    ]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('criticality high');
  });

  it('asks a person to confirm a drug allergy known only by its text', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.drug_allergy', [
      { resourceType: 'AllergyIntolerance', id: 'al-3', code: { text: 'Amoxicillin - hives and throat swelling' }, patient: subject, reaction: anaphylaxis },
    ]);
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('recorded only by name');
  });
});

describe('codes the mapping lists as not meaning the finding', () => {
  it('does not read a family history of cancer (Z80.3) as a cancer by its display', () => {
    const r = criterionFhir('ssc-cart', 'ssc.exc.malignancy', [
      conditionOf('fh-1', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z80.3', display: 'Family history of malignant neoplasm of breast' }] }),
    ]);
    expect(r.status).toBe('met');
  });
});
