import { allergy, emptyRecord, immunization, judge, medication } from './build';

describe('washout before leukapheresis', () => {
  const oneMonth = { kind: 'washout', window: '1mo', anchor: 'leukapheresis', medicationClasses: ['anti_cd20'], vaccineValueSets: ['live_vaccines'] };
  const L = '2026-07-20';

  it('is not met, resolving the day after, when the last dose falls on the first day of the window', () => {
    const r = judge(oneMonth, emptyRecord({ medications: [medication('121191', '2026-06-20', '2026-06-20')] }), '2026-06-25', L);
    expect(r.status).toBe('not_met');
    expect(r.resolvesOn).toBe('2026-07-21');
  });
  it('is met when the last dose was the day before the window opened', () => {
    expect(judge(oneMonth, emptyRecord({ medications: [medication('121191', '2026-06-19', '2026-06-19')] }), '2026-06-25', L).status).toBe('met');
  });
  it('counts a dose on the leukapheresis day itself', () => {
    const r = judge(oneMonth, emptyRecord({ medications: [medication('121191', '2026-06-01', '2026-07-20')] }), '2026-07-20', L);
    expect(r.status).toBe('not_met');
    expect(r.resolvesOn).toBe('2026-08-21');
  });
  it('resolves only after discontinuation for an ongoing medication', () => {
    const r = judge(oneMonth, emptyRecord({ medications: [medication('121191', '2025-01-01', undefined)] }), '2026-06-25', L);
    expect(r.status).toBe('not_met');
    expect(r.resolvesOn).toBe('after discontinuation');
  });
  it('counts from the as-of date when no leukapheresis date is given', () => {
    const r = judge(oneMonth, emptyRecord({ medications: [medication('121191', '2026-06-01', '2026-06-01')] }), '2026-06-25');
    expect(r.status).toBe('not_met');
    expect(r.resolvesOn).toBe('2026-07-02');
  });
  it('treats a live vaccine in the window as a washout', () => {
    const r = judge(oneMonth, emptyRecord({ immunizations: [immunization('03', '2026-07-01')] }), '2026-07-10', L);
    expect(r.status).toBe('not_met');
    expect(r.resolvesOn).toBe('2026-08-02');
  });
  it('only counts corticosteroids above the prednisone-equivalent dose', () => {
    const rule = { kind: 'washout', window: '7d', anchor: 'leukapheresis', prednisoneMgPerDayAbove: 10, systemicOnly: true, medicationClasses: ['corticosteroids_systemic'] };
    const low = medication('312615', '2026-06-01', undefined, { dose: { value: 0.25 }, timesPerDay: 1 }); // 5 mg
    expect(judge(rule, emptyRecord({ medications: [low] }), '2026-06-15').status).toBe('met');
    const high = medication('312615', '2026-06-01', undefined, { dose: { value: 1 }, timesPerDay: 1 }); // 20 mg
    expect(judge(rule, emptyRecord({ medications: [high] }), '2026-06-15').status).toBe('not_met');
    const dexa = medication('3264', '2026-06-01', undefined, { dose: { value: 2, unit: 'mg' }, timesPerDay: 1 }); // 13.3 mg prednisone
    expect(judge(rule, emptyRecord({ medications: [dexa] }), '2026-06-15').status).toBe('not_met');
    const unknownDose = medication('8640', '2026-06-01', undefined);
    expect(judge(rule, emptyRecord({ medications: [unknownDose] }), '2026-06-15').status).toBe('unknown');
    const topical = medication('3264', '2026-06-01', undefined, { dose: { value: 2, unit: 'mg' }, timesPerDay: 1, route: { codings: [], text: 'Topical' } });
    expect(judge(rule, emptyRecord({ medications: [topical] }), '2026-06-15').status).toBe('met');
  });
});

describe('medication exposure', () => {
  const dosed = (mg: number): { dose: { value: number; unit: string }; timesPerDay: number } => ({ dose: { value: mg, unit: 'mg' }, timesPerDay: 1 });
  it('counts a course still running across a change of dose, and not an earlier course that stopped, for ongoing with a duration', () => {
    const rule = { kind: 'medication', classes: ['antimalarials'], ongoing: true, minDuration: '3mo' };
    // Hydroxychloroquine from January, the dose raised on 1 May: one course of five months.
    const changed = [medication('979092', '2026-01-10', '2026-04-30', { ...dosed(200), ongoing: false }), medication('979092', '2026-05-01', undefined, dosed(400))];
    expect(judge(rule, emptyRecord({ medications: changed })).status).toBe('met');
    // Three months in 2024, stopped, and begun again two weeks ago: the course running is two weeks.
    const restarted = [medication('979092', '2024-01-01', '2024-04-30', { ...dosed(200), ongoing: false }), medication('979092', '2026-06-01', undefined, dosed(200))];
    const r = judge(rule, emptyRecord({ medications: restarted }));
    expect(r.status).toBe('not_met');
    expect(r.explanation).toMatch(/only 15 days of exposure \(ongoing\)/);
  });
  it('asks a person whether a drug given lately as an administration is still given, rather than reading it as stopped', () => {
    const rule = { kind: 'medication', classes: ['antimalarials'], ongoing: true };
    const dose = (day: string): ReturnType<typeof medication> => ({ ...medication('979092', day, day, { ongoing: false }), source: 'MedicationAdministration' });
    const yesterday = judge(rule, emptyRecord({ medications: [dose('2026-06-14')] }));
    expect(yesterday.status).toBe('review');
    expect(yesterday.confirm).toMatch(/was given on 2026-06-14 \(an administration, within 14 days of screening\): confirm whether it is still being given/);
    expect(judge(rule, emptyRecord({ medications: [dose('2026-05-20')] })).status).toBe('not_met');
    // A statement that was completed says it stopped: decided.
    expect(judge(rule, emptyRecord({ medications: [medication('979092', '2026-01-01', '2026-06-14', { ongoing: false })] })).status).toBe('not_met');
  });

  it('asks a person both reasons of a confirm inside a confirm', () => {
    const rule = { kind: 'confirm', reason: 'the washout was kept', rule: { kind: 'confirm', reason: 'it was stopped for intolerance', rule: { kind: 'medication', classes: ['antimalarials'] } } };
    const r = judge(rule, emptyRecord({ medications: [medication('979092', '2025-01-10', '2025-03-01', { ongoing: false })] }));
    expect(r.status).toBe('review');
    expect(r.confirm).toBe('it was stopped for intolerance; the washout was kept');
  });
  it('holds a minimum duration and a stable dose on one rule both: neither is dropped', () => {
    const rule = { kind: 'medication', classes: ['antimalarials'], ongoing: true, minDuration: '3mo', stableFor: '4w' };
    // 43 days, all at one dose: stable for 4 weeks but not 3 months on it.
    const short = judge(rule, emptyRecord({ medications: [medication('979092', '2026-05-03', undefined, dosed(400))] }));
    expect(short.status).toBe('not_met');
    expect(short.explanation).toMatch(/only 44 days of exposure/);
    const long = judge(rule, emptyRecord({ medications: [medication('979092', '2026-01-03', undefined, dosed(400))] }));
    expect(long.status).toBe('met');
  });
  it('sums overlapping intervals for a cumulative duration', () => {
    const rule = { kind: 'medication', classes: ['antimalarials'], minDuration: '6mo' };
    const parts = [medication('979092', '2025-01-01', '2025-04-30'), medication('5521', '2025-04-01', '2025-07-15')];
    expect(judge(rule, emptyRecord({ medications: parts })).status).toBe('met');
    expect(judge(rule, emptyRecord({ medications: [parts[0]!] })).status).toBe('not_met');
  });
  it('matches by brand name only as a marked fallback that a person confirms (CONVENTIONS.md: a text match alone is review)', () => {
    const byName = medication('999999', '2026-01-01', '2026-01-02', { concept: { codings: [{ system: 'urn:local', code: 'x', display: 'Rituxan 500 MG infusion' }] } });
    const r = judge({ kind: 'medication', classes: ['anti_cd20'] }, emptyRecord({ medications: [byName] }));
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('recorded only by name');
    expect(r.evidence[0]?.note).toContain('matched by display text');
  });
  it('does not count a prescription written after the as-of date, and sends the absence it contradicts to a person', () => {
    const later = medication('121191', '2026-07-01', '2026-07-02');
    const r = judge({ kind: 'medication', classes: ['anti_cd20'] }, emptyRecord({ medications: [later] }));
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('after the as-of date');
  });
});

describe('allergies', () => {
  it('finds a severe drug allergy by criticality or anaphylaxis, not a mild one', () => {
    const rule = { kind: 'allergy', anyMedication: true, severeOnly: true, anaphylaxisValueSet: 'anaphylaxis' };
    expect(judge(rule, emptyRecord({ allergies: [allergy({ criticality: 'high' })] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ allergies: [allergy({ reactions: [{ manifestations: [{ codings: [{ system: 'http://snomed.info/sct', code: '39579001' }] }] }] })] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ allergies: [allergy({ criticality: 'low' })] })).status).toBe('not_met');
  });
});

describe('washout with incomplete dates', () => {
  it('fails closed on an exposure with no start date', () => {
    const undated = medication('121191', '', undefined);
    delete undated.start;
    const rule = { kind: 'washout', window: '1mo', anchor: 'leukapheresis', medicationClasses: ['anti_cd20'] };
    const r = judge(rule, emptyRecord({ medications: [undated] }), '2026-06-15', '2026-07-01');
    expect(r.status).toBe('unknown');
    expect(r.missing).toEqual(['medication start date']);
  });
});
