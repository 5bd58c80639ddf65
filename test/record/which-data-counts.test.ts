import { observation, PATIENT_ID, recordOf } from './helpers';

const subject = { reference: `Patient/${PATIENT_ID}` };
const code = { coding: [{ system: 'http://snomed.info/sct', code: '55464009', display: 'Systemic lupus erythematosus' }] };
const rxnorm = { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '5521' }] };
/** The normalised form of a FHIR CodeableConcept: `coding` becomes `codings`. */
const conceptOf = (cc: { coding: object[] }) => ({ codings: cc.coding });

describe('Observation and DiagnosticReport statuses (CONVENTIONS.md)', () => {
  it.each(['final', 'amended', 'corrected'])('counts an Observation with status %s', (status) => {
    const record = recordOf(observation('o', { status, valueQuantity: { value: 1 } }));
    expect(record.observations).toHaveLength(1);
    expect(record.ignored).toEqual([]);
  });

  it.each(['preliminary', 'registered', 'cancelled', 'entered-in-error', 'unknown'])('never counts an Observation with status %s', (status) => {
    const record = recordOf(observation('o', { status, valueQuantity: { value: 1 } }));
    expect(record.observations).toEqual([]);
    expect(record.ignored).toEqual([
      { reference: 'Observation/o', resourceType: 'Observation', reason: `status ${status}`, concept: { codings: [{ system: 'http://loinc.org', code: '2160-0' }] } },
    ]);
  });

  it('reads an Observation with no status or an unheard-of one (codes are case-sensitive) as a gap, not as absent data', () => {
    const record = recordOf(observation('none', { status: undefined }), observation('odd', { status: 'draft' }), observation('cased', { status: 'Final' }));
    expect(record.observations).toEqual([]);
    expect(record.ignored).toEqual([]);
    // In canonical order (content, then id), not input order: see src/record/canonical-order.ts.
    expect(record.gaps.map((g) => [g.where, g.severity, g.reason])).toEqual([
      ['Observation/cased', 'unread', 'Observation/cased could not be read: status "Final" is not a FHIR Observation status code'],
      ['Observation/odd', 'unread', 'Observation/odd could not be read: status "draft" is not a FHIR Observation status code'],
      ['Observation/none', 'unread', 'Observation/none could not be read: it has no status'],
    ]);
    expect(record.gaps.every((g) => g.concept?.codings[0]?.code === '2160-0')).toBe(true);
  });

  it.each(['final', 'amended', 'corrected'])('counts a DiagnosticReport with status %s', (status) => {
    const record = recordOf({ resourceType: 'DiagnosticReport', id: 'r', status, code: { text: 'CBC' }, subject });
    expect(record.reports).toHaveLength(1);
  });

  it.each(['preliminary', 'partial', 'registered', 'cancelled', 'entered-in-error', 'unknown'])('never counts a DiagnosticReport with status %s', (status) => {
    const record = recordOf({ resourceType: 'DiagnosticReport', id: 'r', status, code: { text: 'CBC' }, subject, conclusionCode: [{ text: 'abnormal' }] });
    expect(record.reports).toEqual([]);
    expect(record.observations).toEqual([]);
    expect(record.ignored).toMatchObject([{ reference: 'DiagnosticReport/r', reason: `status ${status}` }]);
  });

  it('makes each conclusionCode of a counted report a coded observation fact from the report', () => {
    const record = recordOf({
      resourceType: 'DiagnosticReport',
      id: 'biopsy',
      status: 'final',
      code: { text: 'Kidney biopsy' },
      subject,
      effectiveDateTime: '2024-02-01',
      conclusion: 'Class IV lupus nephritis',
      conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '36402006' }] }],
      result: [{ reference: 'Observation/x' }],
    });
    expect(record.reports).toEqual([
      {
        reference: 'DiagnosticReport/biopsy',
        code: { codings: [], text: 'Kidney biopsy' },
        status: 'final',
        date: '2024-02-01',
        conclusion: 'Class IV lupus nephritis',
        conclusionCodes: [{ codings: [{ system: 'http://snomed.info/sct', code: '36402006' }] }],
        result: ['Observation/x'],
      },
    ]);
    expect(record.observations).toEqual([
      {
        reference: 'DiagnosticReport/biopsy',
        code: { codings: [], text: 'Kidney biopsy' },
        status: 'final',
        date: '2024-02-01',
        value: { kind: 'coded', concept: { codings: [{ system: 'http://snomed.info/sct', code: '36402006' }] } },
        interpretation: [],
        fromReport: true,
      },
    ]);
  });
});

describe('Condition (CONVENTIONS.md)', () => {
  function condition(fields: Record<string, unknown>) {
    return { resourceType: 'Condition', id: 'c', code, subject, ...fields };
  }
  const clinical = (c: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: c }] });
  const verification = (c: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: c }] });

  it.each(['active', 'recurrence', 'relapse'])('is active with clinicalStatus %s', (status) => {
    expect(recordOf(condition({ clinicalStatus: clinical(status) })).conditions[0]?.active).toBe(true);
  });

  it.each(['inactive', 'remission', 'resolved'])('counts but is not active with clinicalStatus %s', (status) => {
    const record = recordOf(condition({ clinicalStatus: clinical(status) }));
    expect(record.conditions).toMatchObject([{ active: false, clinicalStatus: status }]);
  });

  it('is active with no clinicalStatus and no abatement, inactive with an abatement', () => {
    expect(recordOf(condition({})).conditions[0]?.active).toBe(true);
    expect(recordOf(condition({ abatementDateTime: '2020-01-01' })).conditions[0]).toMatchObject({ active: false, abatement: '2020-01-01' });
    expect(recordOf(condition({ abatementString: 'in childhood' })).conditions[0]?.active).toBe(false);
  });

  it.each(['refuted', 'entered-in-error'])('never counts verificationStatus %s, and says so in ignored', (status) => {
    const record = recordOf(condition({ clinicalStatus: clinical('active'), verificationStatus: verification(status) }));
    expect(record.conditions).toEqual([]);
    expect(record.ignored).toEqual([{ reference: 'Condition/c', resourceType: 'Condition', reason: `verificationStatus ${status}`, concept: conceptOf(code) }]);
  });

  it.each(['confirmed', 'provisional', 'differential', 'unconfirmed'])('counts verificationStatus %s', (status) => {
    expect(recordOf(condition({ verificationStatus: verification(status) })).conditions).toMatchObject([{ verificationStatus: status }]);
  });

  it('keeps onset, abatement and recordedDate', () => {
    const record = recordOf(condition({ onsetPeriod: { start: '2019-01-01' }, abatementPeriod: { start: '2021-06-01' }, recordedDate: '2019-02-01' }));
    expect(record.conditions[0]).toMatchObject({ onset: '2019-01-01', abatement: '2021-06-01', recordedDate: '2019-02-01' });
  });
});

describe('medication statuses (CONVENTIONS.md)', () => {
  const statement = (status: string) => ({ resourceType: 'MedicationStatement', id: 'm', status, medicationCodeableConcept: rxnorm, subject, effectiveDateTime: '2024-01-01' });
  const request = (status: string) => ({ resourceType: 'MedicationRequest', id: 'm', status, intent: 'order', medicationCodeableConcept: rxnorm, subject, authoredOn: '2024-01-01' });
  const administration = (status: string, fields: Record<string, unknown> = { effectiveDateTime: '2024-01-01' }) => ({
    resourceType: 'MedicationAdministration',
    id: 'm',
    status,
    medicationCodeableConcept: rxnorm,
    subject,
    ...fields,
  });

  it.each(['active', 'completed', 'intended', 'on-hold', 'stopped'])('counts a MedicationStatement with status %s', (status) => {
    expect(recordOf(statement(status)).medications).toHaveLength(1);
  });

  it.each(['entered-in-error', 'not-taken', 'unknown'])('never counts a MedicationStatement with status %s', (status) => {
    const record = recordOf(statement(status));
    expect(record.medications).toEqual([]);
    expect(record.ignored).toEqual([{ reference: 'MedicationStatement/m', resourceType: 'MedicationStatement', reason: `status ${status}`, concept: conceptOf(rxnorm) }]);
  });

  it.each(['active', 'completed', 'on-hold', 'stopped'])('counts a MedicationRequest with status %s', (status) => {
    expect(recordOf(request(status)).medications).toHaveLength(1);
  });

  it.each(['cancelled', 'entered-in-error', 'draft'])('never counts a MedicationRequest with status %s', (status) => {
    const record = recordOf(request(status));
    expect(record.medications).toEqual([]);
    expect(record.ignored).toMatchObject([{ reason: `status ${status}` }]);
  });

  it('does not count a MedicationRequest that orders the medication not to be given', () => {
    const record = recordOf({ ...request('active'), doNotPerform: true });
    expect(record.medications).toEqual([]);
    expect(record.ignored).toMatchObject([{ reason: expect.stringContaining('doNotPerform') }]);
  });

  it.each(['completed', 'in-progress'])('counts a MedicationAdministration with status %s', (status) => {
    expect(recordOf(administration(status)).medications).toHaveLength(1);
  });

  it.each(['not-done', 'entered-in-error'])('never counts a MedicationAdministration with status %s', (status) => {
    expect(recordOf(administration(status)).medications).toEqual([]);
  });

  it('counts a stopped administration that had started, not one stopped before start', () => {
    expect(recordOf(administration('stopped', { effectivePeriod: { start: '2024-01-01T10:00:00Z', end: '2024-01-01T10:20:00Z' } })).medications).toHaveLength(1);
    const notStarted = recordOf(administration('stopped', { effectivePeriod: { end: '2024-01-01T10:00:00Z' } }));
    expect(notStarted.medications).toEqual([]);
    expect(notStarted.ignored).toMatchObject([{ reason: 'status stopped before start' }]);
  });
});

describe('Immunization and Procedure statuses (CONVENTIONS.md)', () => {
  const vaccineCode = { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03', display: 'MMR' }] };
  const immunization = (status: string) => ({ resourceType: 'Immunization', id: 'i', status, vaccineCode, patient: subject, occurrenceDateTime: '2023-04-01' });
  const procedure = (status: string) => ({ resourceType: 'Procedure', id: 'p', status, code: { text: 'leukapheresis' }, subject, performedDateTime: '2024-01-01' });

  it('counts a completed Immunization with its date', () => {
    expect(recordOf(immunization('completed')).immunizations).toEqual([{ reference: 'Immunization/i', vaccine: conceptOf(vaccineCode), status: 'completed', date: '2023-04-01' }]);
  });

  it.each(['not-done', 'entered-in-error'])('never counts an Immunization with status %s', (status) => {
    const record = recordOf(immunization(status));
    expect(record.immunizations).toEqual([]);
    expect(record.ignored).toEqual([{ reference: 'Immunization/i', resourceType: 'Immunization', reason: `status ${status}`, concept: conceptOf(vaccineCode) }]);
  });

  it.each(['completed', 'in-progress'])('counts a Procedure with status %s', (status) => {
    expect(recordOf(procedure(status)).procedures).toMatchObject([{ status, date: '2024-01-01' }]);
  });

  it.each(['not-done', 'entered-in-error', 'preparation'])('never counts a Procedure with status %s', (status) => {
    expect(recordOf(procedure(status)).procedures).toEqual([]);
  });

  it('takes a Procedure period as date and end', () => {
    const record = recordOf({ ...procedure('completed'), performedDateTime: undefined, performedPeriod: { start: '2024-01-01T08:00:00Z', end: '2024-01-01T12:00:00Z' } });
    expect(record.procedures[0]).toMatchObject({ date: '2024-01-01T08:00:00Z', end: '2024-01-01T12:00:00Z' });
  });
});

describe('AllergyIntolerance', () => {
  it('keeps category, criticality, statuses and reactions', () => {
    const record = recordOf({
      resourceType: 'AllergyIntolerance',
      id: 'a',
      patient: subject,
      clinicalStatus: { coding: [{ code: 'active' }] },
      verificationStatus: { coding: [{ code: 'confirmed' }] },
      category: ['medication'],
      criticality: 'high',
      code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'penicillin G' }] },
      recordedDate: '2010-01-01',
      reaction: [
        {
          severity: 'severe',
          substance: { text: 'penicillin' },
          manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '39579001', display: 'Anaphylaxis' }] }],
        },
      ],
    });
    expect(record.allergies).toEqual([
      {
        reference: 'AllergyIntolerance/a',
        code: { codings: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'penicillin G' }] },
        category: ['medication'],
        criticality: 'high',
        clinicalStatus: 'active',
        verificationStatus: 'confirmed',
        recordedDate: '2010-01-01',
        reactions: [
          {
            severity: 'severe',
            substance: { codings: [], text: 'penicillin' },
            manifestations: [{ codings: [{ system: 'http://snomed.info/sct', code: '39579001', display: 'Anaphylaxis' }] }],
          },
        ],
      },
    ]);
  });

  it.each(['refuted', 'entered-in-error'])('excludes verificationStatus %s', (status) => {
    const record = recordOf({ resourceType: 'AllergyIntolerance', id: 'a', patient: subject, code: { text: 'latex' }, verificationStatus: { coding: [{ code: status }] } });
    expect(record.allergies).toEqual([]);
    expect(record.ignored).toMatchObject([{ reference: 'AllergyIntolerance/a', reason: `verificationStatus ${status}` }]);
  });
});

describe('ResearchSubject and Patient', () => {
  it('keeps the ResearchSubject status, study and identifiers', () => {
    const record = recordOf({
      resourceType: 'ResearchSubject',
      id: 'rs',
      status: 'on-study',
      individual: subject,
      identifier: [{ system: 'urn:site:subjects', value: 'S-001' }],
      study: { reference: 'ResearchStudy/sle-cart', identifier: { system: 'http://clinicaltrials.gov', value: 'NCT00000000' }, display: 'SLE CAR-T' },
      period: { start: '2023-01-01', end: '2023-12-31' },
    });
    expect(record.researchSubjects).toEqual([
      {
        reference: 'ResearchSubject/rs',
        status: 'on-study',
        studyReference: 'ResearchStudy/sle-cart',
        studyIdentifier: { system: 'http://clinicaltrials.gov', value: 'NCT00000000' },
        studyDisplay: 'SLE CAR-T',
        identifiers: [{ system: 'urn:site:subjects', value: 'S-001' }],
        periodStart: '2023-01-01',
        periodEnd: '2023-12-31',
      },
    ]);
  });

  it('reads birthDate, gender and deceased from the Patient', () => {
    const record = recordOf();
    expect(record).toMatchObject({ patientId: PATIENT_ID, patientReference: `Patient/${PATIENT_ID}`, birthDate: '1980-05-17', gender: 'female' });
    expect(record.deceased).toBeUndefined();
  });
});
