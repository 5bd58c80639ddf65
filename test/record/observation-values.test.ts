import { observation, onlyObservation, recordOf } from './helpers';

const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0078';
const SNOMED = 'http://snomed.info/sct';

function valueOf(fields: Record<string, unknown>) {
  return onlyObservation(recordOf(observation('o', fields))).value;
}

describe('Observation valueQuantity', () => {
  it('keeps value, UCUM unit and comparator', () => {
    expect(valueOf({ valueQuantity: { value: 0.5, comparator: '<', unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } })).toEqual({
      kind: 'quantity',
      value: 0.5,
      unit: 'mg/dL',
      comparator: '<',
    });
  });

  it.each(['<', '<=', '>=', '>'])('keeps the comparator %s', (comparator) => {
    expect(valueOf({ valueQuantity: { value: 60, comparator, unit: 'mL/min' } })).toMatchObject({ comparator });
  });

  it('prefers the human unit when the code is from a system other than UCUM', () => {
    expect(valueOf({ valueQuantity: { value: 7, unit: 'mg/dL', system: 'http://example.org/local-units', code: 'MGDL' } })).toMatchObject({ unit: 'mg/dL' });
  });

  it('reads valueInteger as a unitless quantity', () => {
    expect(valueOf({ valueInteger: 14 })).toEqual({ kind: 'quantity', value: 14 });
  });
});

describe('Observation valueRatio (titers)', () => {
  it('reads 1:640 as numerator 1, denominator 640', () => {
    expect(valueOf({ valueRatio: { numerator: { value: 1 }, denominator: { value: 640 } } })).toEqual({ kind: 'ratio', numerator: 1, denominator: 640 });
  });

  it('carries a comparator written on either term', () => {
    expect(valueOf({ valueRatio: { numerator: { value: 1 }, denominator: { value: 1280, comparator: '>' } } })).toMatchObject({ comparator: '>' });
  });

  it('does not use a ratio with a zero denominator, and warns', () => {
    const record = recordOf(observation('zero', { valueRatio: { numerator: { value: 1 }, denominator: { value: 0 } } }));
    expect(onlyObservation(record).value).toBeUndefined();
    expect(record.warnings).toEqual([{ where: 'Observation/zero', message: expect.stringContaining('valueRatio') }]);
  });
});

describe('Observation valueString', () => {
  it.each([
    ['<0.5', { kind: 'quantity', value: 0.5, comparator: '<' }],
    ['>= 60', { kind: 'quantity', value: 60, comparator: '>=' }],
    ['≤2', { kind: 'quantity', value: 2, comparator: '<=' }],
    ['12.5 mg/dL', { kind: 'quantity', value: 12.5, unit: 'mg/dL' }],
    ['<0.2 mg/dL', { kind: 'quantity', value: 0.2, unit: 'mg/dL', comparator: '<' }],
    ['7', { kind: 'quantity', value: 7 }],
    ['1:640', { kind: 'ratio', numerator: 1, denominator: 640 }],
    ['1 : 160', { kind: 'ratio', numerator: 1, denominator: 160 }],
    ['>1:1280', { kind: 'ratio', numerator: 1, denominator: 1280, comparator: '>' }],
    ['<1:40', { kind: 'ratio', numerator: 1, denominator: 40, comparator: '<' }],
    ['Positive', { kind: 'qualitative', positive: true, text: 'Positive' }],
    ['NEGATIVE', { kind: 'qualitative', positive: false, text: 'NEGATIVE' }],
    ['Detected', { kind: 'qualitative', positive: true, text: 'Detected' }],
    ['Not detected', { kind: 'qualitative', positive: false, text: 'Not detected' }],
    ['reactive', { kind: 'qualitative', positive: true, text: 'reactive' }],
    ['Non-reactive', { kind: 'qualitative', positive: false, text: 'Non-reactive' }],
    ['not HIV positive', { kind: 'string', text: 'not HIV positive' }],
    ['see comment', { kind: 'string', text: 'see comment' }],
  ])('reads "%s"', (text, expected) => {
    expect(valueOf({ valueString: text })).toEqual(expected);
  });
});

describe('Observation valueCodeableConcept', () => {
  it.each([
    ['10828004', true],
    ['260373001', true],
    ['11214006', true],
    ['260385009', false],
    ['260415000', false],
    ['131194007', false],
  ])('reads SNOMED CT %s as a qualitative result (positive: %s)', (code, positive) => {
    expect(valueOf({ valueCodeableConcept: { coding: [{ system: SNOMED, code, display: 'as coded' }] } })).toMatchObject({
      kind: 'qualitative',
      positive,
      text: 'as coded',
      concept: { codings: [{ system: SNOMED, code, display: 'as coded' }] },
    });
  });

  it('keeps any other code as a coded value', () => {
    expect(valueOf({ valueCodeableConcept: { coding: [{ system: SNOMED, code: '421704003', display: 'NYHA class II' }] } })).toEqual({
      kind: 'coded',
      concept: { codings: [{ system: SNOMED, code: '421704003', display: 'NYHA class II' }] },
    });
  });

  it('reads LOINC answer codes for positive and negative', () => {
    expect(valueOf({ valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6577-6' }], text: 'Negative' } })).toMatchObject({
      kind: 'qualitative',
      positive: false,
    });
  });
});

describe('Observation valueBoolean', () => {
  it('keeps true and false', () => {
    expect(valueOf({ valueBoolean: true })).toEqual({ kind: 'boolean', value: true });
    expect(valueOf({ valueBoolean: false })).toEqual({ kind: 'boolean', value: false });
  });
});

describe('Observation interpretation', () => {
  function interpretationOf(interpretation: unknown[]): string[] {
    return onlyObservation(recordOf(observation('i', { valueQuantity: { value: 1 }, interpretation }))).interpretation;
  }

  it.each(['H', 'L', 'HH', 'LL', 'A', 'AA', 'N', 'POS', 'NEG', 'DET', 'ND', 'IND'])('keeps the v3 code %s', (code) => {
    expect(interpretationOf([{ coding: [{ system: V3, code }] }])).toEqual([code]);
  });

  it('accepts v2 table 0078 and the old hl7.org/fhir/v3 URL', () => {
    expect(interpretationOf([{ coding: [{ system: V2, code: 'HH' }] }])).toEqual(['HH']);
    expect(interpretationOf([{ coding: [{ system: 'http://hl7.org/fhir/v3/ObservationInterpretation', code: 'LL' }] }])).toEqual(['LL']);
  });

  it('accepts lower-case codes from local systems', () => {
    expect(interpretationOf([{ coding: [{ system: 'urn:local:flags', code: 'h' }] }])).toEqual(['H']);
  });

  it('reads reactive and non-reactive as POS and NEG', () => {
    expect(interpretationOf([{ coding: [{ system: V3, code: 'RR' }] }])).toEqual(['POS']);
    expect(interpretationOf([{ coding: [{ system: V3, code: 'NR' }] }])).toEqual(['NEG']);
  });

  it.each([
    ['High', 'H'],
    ['critically low', 'LL'],
    ['Abnormal', 'A'],
    ['Normal', 'N'],
    ['Positive', 'POS'],
    ['Not detected', 'ND'],
    ['Equivocal', 'IND'],
  ])('reads the text "%s" as %s', (text, code) => {
    expect(interpretationOf([{ text }])).toEqual([code]);
  });

  it('reads the display when the code is unknown', () => {
    expect(interpretationOf([{ coding: [{ system: 'urn:local:flags', code: '99', display: 'Low' }] }])).toEqual(['L']);
  });

  it('gives an empty list when there is no interpretation', () => {
    expect(interpretationOf([])).toEqual([]);
  });
});

describe('Observation referenceRange', () => {
  it('keeps low, high (with units) and text of the normal range', () => {
    const fact = onlyObservation(
      recordOf(
        observation('r', {
          valueQuantity: { value: 50, unit: 'U/L' },
          referenceRange: [
            { type: { coding: [{ code: 'therapeutic' }] }, high: { value: 999, unit: 'U/L' } },
            { low: { value: 7, unit: 'U/L' }, high: { value: 35, unit: 'U/L', system: 'http://unitsofmeasure.org', code: 'U/L' }, text: '7-35 U/L' },
          ],
        }),
      ),
    );
    expect(fact.referenceRange).toEqual({ low: { value: 7, unit: 'U/L' }, high: { value: 35, unit: 'U/L' }, text: '7-35 U/L' });
  });

  it('accepts a range typed "normal" and one with only a high limit', () => {
    const fact = onlyObservation(recordOf(observation('r', { referenceRange: [{ type: { coding: [{ code: 'normal' }] }, high: { value: 1.2 } }] })));
    expect(fact.referenceRange).toEqual({ high: { value: 1.2 } });
  });
});

describe('Observation dataAbsentReason', () => {
  it('keeps the code and no value', () => {
    const fact = onlyObservation(
      recordOf(observation('d', { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-performed' }] } })),
    );
    expect(fact.dataAbsentReason).toBe('not-performed');
    expect(fact.value).toBeUndefined();
  });

  it('falls back to the text', () => {
    expect(onlyObservation(recordOf(observation('d', { dataAbsentReason: { text: 'haemolysed sample' } }))).dataAbsentReason).toBe('haemolysed sample');
  });
});

describe('Observation components', () => {
  it('makes each component a fact of its own with componentIndex, and none for a panel without a value', () => {
    const record = recordOf(
      observation('bp', {
        code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
        component: [
          { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 150, unit: 'mm[Hg]' }, interpretation: [{ coding: [{ system: V3, code: 'H' }] }] },
          { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, dataAbsentReason: { coding: [{ code: 'error' }] } },
        ],
      }),
    );
    expect(record.observations).toEqual([
      {
        reference: 'Observation/bp',
        code: { codings: [{ system: 'http://loinc.org', code: '8480-6' }] },
        status: 'final',
        date: '2024-05-01',
        instant: Date.UTC(2024, 4, 1),
        value: { kind: 'quantity', value: 150, unit: 'mm[Hg]' },
        interpretation: ['H'],
        componentIndex: 0,
      },
      {
        reference: 'Observation/bp',
        code: { codings: [{ system: 'http://loinc.org', code: '8462-4' }] },
        status: 'final',
        date: '2024-05-01',
        instant: Date.UTC(2024, 4, 1),
        interpretation: [],
        dataAbsentReason: 'error',
        componentIndex: 1,
      },
    ]);
  });

  it('keeps the Observation\'s own value beside its components', () => {
    const record = recordOf(observation('both', { valueQuantity: { value: 3 }, component: [{ code: { text: 'part' }, valueQuantity: { value: 1 } }] }));
    expect(record.observations.map((o) => o.componentIndex)).toEqual([undefined, 0]);
  });
});

describe('Observation dates', () => {
  it('takes effectiveDateTime, effectivePeriod.start or effectiveInstant', () => {
    expect(onlyObservation(recordOf(observation('a', { effectiveDateTime: '2024-01-02' }))).date).toBe('2024-01-02');
    expect(onlyObservation(recordOf(observation('b', { effectiveDateTime: undefined, effectivePeriod: { start: '2024-01-03T08:00:00Z' } }))).date).toBe(
      '2024-01-03T08:00:00Z',
    );
    expect(onlyObservation(recordOf(observation('c', { effectiveDateTime: undefined, effectiveInstant: '2024-01-04T08:00:00Z' }))).date).toBe(
      '2024-01-04T08:00:00Z',
    );
  });
});
