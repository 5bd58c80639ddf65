import { parseReference } from '../../src/record/references';

describe('parseReference', () => {
  it.each([
    ['Patient/123', { resourceType: 'Patient', id: '123' }],
    ['https://ehr.example.org/fhir/Patient/abc-1', { resourceType: 'Patient', id: 'abc-1' }],
    ['http://x/fhir/Observation/o.1/_history/7', { resourceType: 'Observation', id: 'o.1' }],
    ['Patient/b2/_history/3', { resourceType: 'Patient', id: 'b2' }],
  ])('reads %s', (reference, expected) => {
    expect(parseReference(reference)).toEqual(expected);
  });

  it.each(['urn:uuid:1234', '#contained', 'Patient?identifier=x|1', 'Patient/', 'patient/1', 'some/path/Patient/1', ''])('does not read %s as Type/id', (reference) => {
    expect(parseReference(reference)).toBeUndefined();
  });
});
