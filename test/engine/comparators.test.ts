import { compareReading } from '../../src/engine/lab-reading';

/** A result reported with a comparator is an interval; it decides a threshold only when all of it agrees. */
describe('a result with a comparator against a threshold', () => {
  const reading = (comparator: '<' | '<=' | '>' | '>=', value: number) => ({ value, comparator, unit: 'mmol/L' });
  it.each([
    // interval, threshold, answer
    ['>', 15, '>', 15, true], // above 15 is over 15
    ['>=', 15, '>', 15, undefined], // 15 itself is not over 15
    ['>=', 15, '>=', 15, true],
    ['>', 16, '>', 15, true],
    ['>', 14, '>', 15, undefined],
    ['>', 15, '<', 15, false],
    ['>', 15, '<=', 15, false],
    ['>=', 15, '<=', 15, undefined], // 15 itself is at most 15
    ['>=', 15, '<', 15, false],
    ['<', 5, '<', 5, true],
    ['<=', 5, '<', 5, undefined],
    ['<', 5, '<', 4, undefined],
    ['<', 5, '>', 5, false],
    ['<=', 5, '>', 5, false],
    ['<=', 5, '>=', 5, undefined],
    ['<', 5, '>=', 5, false],
    ['<', 5, '>', 4, undefined],
  ] as const)('%s %d against %s %d is %s', (comparator, value, op, threshold, answer) => {
    expect(compareReading(reading(comparator, value), op, threshold)).toBe(answer);
  });
});
