import type { Bundle } from '@medplum/fhirtypes';
import { MAX_LISTED_PROBLEMS, MAX_PROBLEM_CHARS } from '../../src/errors/limits';
import { groupResourcesByPatient, inputErrorLines, summariseErrors } from '../../src/input';

const junkBundle = (entries: number): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: entries }, () => 1) }) as unknown as Bundle;

describe('summariseErrors', () => {
  it('lists the first errors of a Bundle of junk entries with where they are, then counts the rest', () => {
    const { patients, errors } = groupResourcesByPatient(junkBundle(300_000));
    expect(patients).toEqual([]);
    expect(errors).toHaveLength(300_000);
    const summary = summariseErrors(errors);
    expect(summary.length).toBeLessThan(1_000);
    const parts = summary.split('; ');
    expect(parts).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(parts[0]).toBe('entry[0]: entry is not an object');
    expect(parts[MAX_LISTED_PROBLEMS - 1]).toBe(`entry[${MAX_LISTED_PROBLEMS - 1}]: entry is not an object`);
    expect(parts[MAX_LISTED_PROBLEMS]).toBe(`… and ${300_000 - MAX_LISTED_PROBLEMS} more`);
  });

  it('lists all of a few errors, with no count', () => {
    const { errors } = groupResourcesByPatient(junkBundle(2));
    expect(summariseErrors(errors)).toBe('entry[0]: entry is not an object; entry[1]: entry is not an object');
    expect(summariseErrors([])).toBe('');
  });

  it('takes a smaller cap', () => {
    const { errors } = groupResourcesByPatient(junkBundle(5));
    expect(summariseErrors(errors, 2)).toBe('entry[0]: entry is not an object; entry[1]: entry is not an object; … and 3 more');
  });

  it('clips an error that quotes a huge reference from the input', () => {
    const huge = `Group/${'g'.repeat(1_000_000)}`;
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', id: 'o1', subject: { reference: huge } } }] } as unknown as Bundle;
    const { errors } = groupResourcesByPatient(bundle);
    expect(errors).toHaveLength(1);
    const summary = summariseErrors(errors);
    expect(summary.length).toBeLessThanOrEqual(MAX_PROBLEM_CHARS + 40);
    expect(summary).toMatch(/^Observation\/o1: skipped: its subject Group\/g+… \(\d+ more characters\)$/);
  });

  it('never cuts a surrogate pair in half', () => {
    const emoji = '\u{1F600}';
    const errors = [{ file: 'f', message: emoji.repeat(MAX_PROBLEM_CHARS) }];
    const [line] = inputErrorLines(errors);
    expect(line).toBeDefined();
    // A lone surrogate would not survive UTF-8 (it becomes U+FFFD).
    expect(Buffer.from(line ?? '', 'utf8').toString('utf8')).toBe(line);
    expect(line?.startsWith(`f: ${emoji}`)).toBe(true);
  });
});
