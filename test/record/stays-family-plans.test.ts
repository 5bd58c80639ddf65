import { PATIENT_ID, recordOf } from './helpers';

/**
 * Encounter, FamilyMemberHistory and ServiceRequest through the real reader: which ones count,
 * which are set aside with the reason, and which cannot be read (a gap, never absent data).
 */
const subject = { reference: `Patient/${PATIENT_ID}` };
const patient = { reference: `Patient/${PATIENT_ID}` };
const hf = { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I50.23' }] };
const encounter = (id: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
  subject,
  period: { start: '2026-02-03T10:00:00Z', end: '2026-02-08T12:00:00Z' },
  ...fields,
});
const relative = (id: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'FamilyMemberHistory',
  id,
  status: 'completed',
  patient,
  relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] },
  ...fields,
});
const request = (id: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'ServiceRequest',
  id,
  status: 'active',
  intent: 'order',
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '43644' }] },
  subject,
  occurrenceDateTime: '2026-09-14',
  ...fields,
});

describe('Encounter statuses, reasons and dates', () => {
  it.each(['arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'unknown'])('keeps a stay with status %s', (status) => {
    expect(recordOf(encounter('e', { status })).encounters).toMatchObject([{ reference: 'Encounter/e', status }]);
  });

  it.each(['planned', 'cancelled', 'entered-in-error'])('sets aside a stay with status %s, naming why', (status) => {
    const record = recordOf(encounter('e', { status }));
    expect(record.encounters).toEqual([]);
    expect(record.ignored).toEqual([{ reference: 'Encounter/e', resourceType: 'Encounter', reason: `status ${status}` }]);
  });

  it('keeps every reason: reasonCode, reasonReference and diagnoses, the primary one marked', () => {
    const record = recordOf(
      encounter('e', {
        reasonCode: [hf],
        reasonReference: [{ reference: 'Condition/c1' }],
        diagnosis: [{ condition: { reference: 'Condition/c2' }, rank: 2 }, { condition: { reference: 'Condition/c3' }, rank: 1 }],
        partOf: { reference: 'Encounter/admission' },
      }),
    );
    expect(record.encounters[0]).toMatchObject({
      class: { code: 'IMP' },
      start: '2026-02-03T10:00:00Z',
      end: '2026-02-08T12:00:00Z',
      partOf: 'Encounter/admission',
      reasons: [
        { concept: { codings: [{ code: 'I50.23' }] }, primary: true },
        { reference: 'Condition/c1', primary: true },
        { reference: 'Condition/c2', primary: false },
        { reference: 'Condition/c3', primary: true },
      ],
    });
  });

  it('reads an unreadable date, status or class as a gap in the stays, not as no stay', () => {
    const record = recordOf(
      encounter('bad-date', { period: { start: '2026-02-30' } }),
      encounter('bad-status', { status: 'Finished' }),
      encounter('bad-class', { class: [{ coding: [{ code: 'IMP' }] }] }),
    );
    expect(record.encounters).toEqual([]);
    expect(record.gaps.map((g) => [g.kind, g.where]).sort()).toEqual([
      ['Encounter', 'Encounter/bad-class'],
      ['Encounter', 'Encounter/bad-date'],
      ['Encounter', 'Encounter/bad-status'],
    ]);
  });

  it('keeps a stay whose reason reference cannot be followed, with that reason marked unreadable', () => {
    const record = recordOf(encounter('e', { reasonReference: [{ reference: 'urn:uuid:not-in-the-bundle' }] }));
    expect(record.encounters[0]?.reasons).toEqual([{ unreadable: expect.stringContaining('urn:uuid:not-in-the-bundle') as string, primary: true }]);
    expect(record.warnings.map((w) => w.where)).toContain('Encounter/e');
  });
});

describe('FamilyMemberHistory statuses and answers', () => {
  it.each(['partial', 'completed', 'health-unknown'])('keeps a relative\'s record with status %s', (status) => {
    expect(recordOf(relative('f', { status })).familyHistory).toMatchObject([{ reference: 'FamilyMemberHistory/f', status }]);
  });

  it('sets aside a record entered in error, naming why', () => {
    const record = recordOf(relative('f', { status: 'entered-in-error', condition: [{ code: hf }] }));
    expect(record.familyHistory).toEqual([]);
    expect(record.ignored).toEqual([{ reference: 'FamilyMemberHistory/f', resourceType: 'FamilyMemberHistory', reason: 'status entered-in-error' }]);
  });

  it('reads "no known family history" (SNOMED CT 160266009) and a dataAbsentReason as answers, not as conditions', () => {
    const record = recordOf(
      relative('none', { condition: [{ code: { coding: [{ system: 'http://snomed.info/sct', code: '160266009' }] } }] }),
      relative('withheld', { dataAbsentReason: { coding: [{ code: 'withheld' }] } }),
    );
    expect(record.familyHistory.map((f) => [f.reference, f.noKnownHistory, f.conditions.length, f.dataAbsentReason])).toEqual([
      ['FamilyMemberHistory/none', true, 0, undefined],
      ['FamilyMemberHistory/withheld', false, 0, 'withheld'],
    ]);
  });

  it('reads a record with no relationship, a bad status, a bad date or a condition without a code as a gap', () => {
    const record = recordOf(
      relative('no-relationship', { relationship: undefined }),
      relative('bad-status', { status: 'done' }),
      relative('bad-date', { date: '11/02/2025' }),
      relative('no-code', { condition: [{ outcome: { text: 'died' } }] }),
    );
    expect(record.familyHistory).toEqual([]);
    expect(record.gaps.map((g) => g.where).sort()).toEqual(['FamilyMemberHistory/bad-date', 'FamilyMemberHistory/bad-status', 'FamilyMemberHistory/no-code', 'FamilyMemberHistory/no-relationship']);
  });
});

describe('ServiceRequest and Procedure in preparation as planned procedures', () => {
  it.each([
    ['active', undefined],
    ['draft', 'the request is a draft'],
    ['on-hold', 'the request is on hold'],
    ['unknown', "the request's status is unknown"],
  ])('keeps a request with status %s as a plan (tentative: %s)', (status, tentative) => {
    const [plan] = recordOf(request('s', { status })).plannedProcedures;
    expect(plan).toMatchObject({ reference: 'ServiceRequest/s', source: 'ServiceRequest', status, date: '2026-09-14' });
    expect(plan?.tentative).toBe(tentative);
  });

  it.each(['revoked', 'completed', 'entered-in-error'])('sets aside a request with status %s, naming why', (status) => {
    const record = recordOf(request('s', { status }));
    expect(record.plannedProcedures).toEqual([]);
    expect(record.ignored).toMatchObject([{ reference: 'ServiceRequest/s', reason: `status ${status}` }]);
  });

  it('sets aside an option and a request that it not be done; a proposal is tentative', () => {
    const record = recordOf(request('option', { intent: 'option' }), request('dnp', { doNotPerform: true }), request('proposal', { intent: 'proposal' }));
    expect(record.ignored.map((i) => [i.reference, i.reason]).sort()).toEqual([
      ['ServiceRequest/dnp', 'doNotPerform: a request that it not be done'],
      ['ServiceRequest/option', 'intent option: not a plan'],
    ]);
    expect(record.plannedProcedures).toMatchObject([{ reference: 'ServiceRequest/proposal', tentative: 'it is a proposal, not an order or plan' }]);
  });

  it('takes the first event of a timing as the date, and reads a bad date or intent as a gap', () => {
    const timed = recordOf(request('t', { occurrenceDateTime: undefined, occurrenceTiming: { event: ['2026-10-01', '2026-09-02T08:00:00Z'] } }));
    expect(timed.plannedProcedures[0]?.date).toBe('2026-09-02T08:00:00Z');
    const bad = recordOf(
      request('bad-date', { occurrenceDateTime: '2026-09-31' }),
      request('bad-event', { occurrenceDateTime: undefined, occurrenceTiming: { event: ['soon'] } }),
      request('bad-intent', { intent: 'Order' }),
      request('no-code', { code: undefined }),
    );
    expect(bad.plannedProcedures).toEqual([]);
    expect(bad.gaps.map((g) => g.where).sort()).toEqual(['ServiceRequest/bad-date', 'ServiceRequest/bad-event', 'ServiceRequest/bad-intent', 'ServiceRequest/no-code']);
  });

  it('keeps a Procedure in preparation as planned, not done', () => {
    const record = recordOf({ resourceType: 'Procedure', id: 'p', status: 'preparation', code: { text: 'Sleeve gastrectomy' }, subject, performedDateTime: '2026-07-20' });
    expect(record.procedures).toEqual([]);
    expect(record.plannedProcedures).toMatchObject([{ reference: 'Procedure/p', source: 'Procedure', date: '2026-07-20' }]);
    expect(record.ignored).toMatchObject([{ reference: 'Procedure/p', reason: 'status preparation: planned, not done' }]);
  });
});
